import { containersOf, podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, type PodSecurityViolation } from '../../pss/index.js';
import type { Rule, Violation } from '../rule.js';
import { breaksLevel, checkedWorkload, hardening, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';
import { samePath } from '../../core/provenance.js';

export const seccompProfile: Rule = hardening({
  meta: {
    id: 'seccomp-profile',
    title: 'Container runs without a seccomp profile',
    severity: 'low',
    stage: 'fortify',
    description:
      'seccomp filters the system calls a container may make; `RuntimeDefault` blocks the ones most kernel exploits need. `medium` when the manifest turns it off (`type: Unconfined`, or the deprecated `seccomp.security.alpha.kubernetes.io` annotation set to `unconfined`), which the baseline level forbids; `low`, one finding per pod, when it is left unset, which the restricted level forbids (a profile set only through the deprecated annotation does not count there). Windows pods are exempt.',
    remediation: 'Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or `Localhost` with a reviewed profile).',
    references: [
      podSecurityReference('seccompProfile_baseline'),
      podSecurityReference('seccompProfile_restricted'),
      { tool: 'checkov', id: 'CKV_K8S_31' },
      { tool: 'trivy', id: 'KSV-0030' },
      { tool: 'trivy', id: 'KSV-0104' },
      { tool: 'kubescape', id: 'C-0055' },
      { tool: 'kubescape', id: 'C-0210' },
      { tool: 'kube-score', id: 'container-seccomp-profile' },
      { tool: 'polaris', id: 'linuxHardening' },
      { tool: 'kubesec', id: 'SeccompUnconfined' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const template = podTemplateOf(object);
    if (!template) return [];
    const root = template.podPath;
    const violations: Violation[] = [];
    const unconfined = podSecurityViolations(object, 'seccompProfile_baseline');
    for (const violation of unconfined) {
      violations.push({
        message: `${whoSets(object, violation.field)} turns seccomp off (type: Unconfined) (${breaksLevel('seccompProfile_baseline')})`,
        path: violation.field,
        severity: 'medium',
        evidence: podSecurityEvidence('seccompProfile_baseline'),
      });
    }
    // The deprecated annotations: Pod Security judged them before 1.19, clusters of that age still honour them.
    const annotations = template.metadata.annotations ?? {};
    if (template.metadata.annotations) {
      const annotated = [SECCOMP_POD_ANNOTATION, ...containersOf(object).map((ref) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + (ref.container.name ?? ''))];
      for (const key of annotated) {
        if (annotations[key] !== 'unconfined') continue;
        violations.push({
          message: `annotation ${key}: unconfined turns seccomp off where the deprecated annotation is honoured (breaks Pod Security baseline before v1.19)`,
          path: [...root, 'metadata', 'annotations', key],
          severity: 'medium',
          evidence: { annotation: key, podSecurity: { level: 'baseline', check: 'seccompProfile_baseline', before: 'v1.19' } },
        });
      }
    }
    // A field the baseline check reported Unconfined is not reported again by the restricted one.
    const reported = (violation: PodSecurityViolation) => unconfined.some((candidate) => samePath(candidate.field, violation.field));
    const restricted = podSecurityViolations(object, 'seccompProfile_restricted');
    for (const violation of restricted) {
      if (violation.value === 'unset' || reported(violation)) continue;
      violations.push({
        message: `${whoSets(object, violation.field)} sets seccomp type "${violation.value}", not RuntimeDefault or Localhost (${breaksLevel('seccompProfile_restricted')})`,
        path: violation.field,
        evidence: podSecurityEvidence('seccompProfile_restricted'),
      });
    }
    const unset = restricted.filter((candidate) => candidate.value === 'unset');
    if (unset.length) {
      const labels = unset.map((violation) => {
        return whoSets(object, violation.field);
      });
      const byAnnotation = annotations[SECCOMP_POD_ANNOTATION] === 'runtime/default' ? ' (the deprecated annotation asks for runtime/default: set the field)' : '';
      violations.push({
        message: `neither the pod nor ${labels.join(', ')} set${unset.length === 1 ? 's' : ''} a seccomp profile: every system call is allowed${byAnnotation} (${breaksLevel('seccompProfile_restricted')})`,
        path: template.spec.securityContext !== undefined ? [...template.specPath, 'securityContext'] : template.specPath,
        evidence: { containers: unset.map((violation) => violation.container), ...podSecurityEvidence('seccompProfile_restricted') },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'RuntimeDefault on the pod; a Localhost profile on a container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
  - {name: app, image: "web:1.2"}
  - {name: tracer, image: "tracer:0.4", securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/tracer.json}}}
`,
      },
    ],
    invalid: [
      {
        name: 'Unconfined on a container, the unconfined annotation, and nothing set for the rest',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations: {container.seccomp.security.alpha.kubernetes.io/proxy: unconfined}
    spec:
      containers:
      - {name: api, image: "api:3.1", securityContext: {seccompProfile: {type: Unconfined}}}
      - {name: proxy, image: "envoyproxy/envoy:v1.31.0"}
`,
        violations: 3,
        severities: ['medium', 'medium', 'low'],
      },
    ],
  },
});

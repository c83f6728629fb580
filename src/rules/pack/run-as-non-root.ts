import { podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { breaksLevel, checkedWorkload, hardening, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const runAsNonRoot: Rule = hardening({
  meta: {
    id: 'run-as-non-root',
    title: 'Pod may run as root (runAsNonRoot not true)',
    severity: 'low',
    stage: 'fortify',
    description:
      'Without `runAsNonRoot: true` (on the pod, or on every container) the kubelet starts an image that runs as UID 0: root in the container, one kernel bug from root on the node. `medium` where the manifest sets `runAsNonRoot: false`; `low`, one finding per pod naming the containers, where it is left unset. The restricted level requires it.',
    remediation: 'Set `securityContext.runAsNonRoot: true` on the pod and a non-zero `runAsUser` where the image does not set a user.',
    references: [
      podSecurityReference('runAsNonRoot'),
      { tool: 'checkov', id: 'CKV_K8S_23' },
      { tool: 'trivy', id: 'KSV-0012' },
      { tool: 'kubescape', id: 'C-0013' },
      { tool: 'kube-linter', id: 'run-as-non-root' },
      { tool: 'polaris', id: 'runAsRootAllowed' },
      { tool: 'kubesec', id: 'RunAsNonRoot' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const found = podSecurityViolations(object, 'runAsNonRoot');
    if (!found.length) return [];
    const violations: Violation[] = found
      .filter((violation) => violation.value === 'false')
      .map((violation) => {
        return {
          message: `${whoSets(object, violation.field)} sets runAsNonRoot: false (${breaksLevel('runAsNonRoot')})`,
          path: violation.field,
          severity: 'medium',
          evidence: podSecurityEvidence('runAsNonRoot'),
        };
      });
    const unset = found.filter((violation) => violation.value === 'unset');
    if (unset.length) {
      const template = podTemplateOf(object);
      const labels = unset.map((violation) => {
        return whoSets(object, violation.field);
      });
      violations.push({
        message: `neither the pod nor ${labels.join(', ')} set${unset.length === 1 ? 's' : ''} runAsNonRoot: true: an image running as root runs as root (${breaksLevel('runAsNonRoot')})`,
        path: template?.spec.securityContext !== undefined ? [...template.specPath, 'securityContext'] : template?.specPath,
        evidence: { containers: unset.map((violation) => violation.container), ...podSecurityEvidence('runAsNonRoot') },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'on the pod, and on every container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: "web:1.2"}]
---
apiVersion: v1
kind: Pod
metadata: {name: worker}
spec:
  containers:
  - {name: a, image: "worker:1.0", securityContext: {runAsNonRoot: true}}
  - {name: b, image: "worker:1.0", securityContext: {runAsNonRoot: true}}
`,
      },
    ],
    invalid: [
      {
        name: 'explicit false on a container (medium), and two containers without it (one low finding)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: "api:3.1", securityContext: {runAsNonRoot: false}}
      - {name: proxy, image: "envoyproxy/envoy:v1.31.0"}
      - {name: metrics, image: "exporter:0.9"}
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
    ],
  },
});

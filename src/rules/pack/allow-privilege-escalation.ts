import { existingPrefix } from '../../core/provenance.js';
import { describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { PathSegment } from '../../core/provenance.js';
import type { Rule, Violation } from '../rule.js';
import { breaksLevel, checkedWorkload, containerAt, firstByName, hardening, podSecurityEvidence, podSecurityReference, podSecurityViolations } from './helpers.js';

export const allowPrivilegeEscalation: Rule = hardening({
  meta: {
    id: 'allow-privilege-escalation',
    title: 'Container may gain privileges (allowPrivilegeEscalation)',
    severity: 'low',
    stage: 'fortify',
    description:
      'Unless `allowPrivilegeEscalation: false`, a process in the container can gain more privileges than its parent (setuid binaries, file capabilities): a compromised process becomes root in the container. `medium` for each container whose manifest asks for it (`true`); `low`, one finding per pod naming the containers, where it is left unset. The restricted level requires `false`; Windows pods are exempt.',
    remediation: 'Set `securityContext.allowPrivilegeEscalation: false` on every container.',
    references: [
      podSecurityReference('allowPrivilegeEscalation'),
      { tool: 'checkov', id: 'CKV_K8S_20' },
      { tool: 'trivy', id: 'KSV-0001' },
      { tool: 'kubescape', id: 'C-0016' },
      { tool: 'kube-linter', id: 'privilege-escalation-container' },
      { tool: 'polaris', id: 'privilegeEscalationAllowed' },
      { tool: 'kubesec', id: 'AllowPrivilegeEscalation' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const found = podSecurityViolations(object, 'allowPrivilegeEscalation');
    const label = (field: PathSegment[]) => {
      const ref = containerAt(object, field);
      return ref ? describeContainer(ref) : 'a container';
    };
    const violations: Violation[] = found
      .filter((violation) => violation.value === 'true')
      .map((violation) => ({
        message: `${label(violation.field)} sets allowPrivilegeEscalation: true (${breaksLevel('allowPrivilegeEscalation')})`,
        path: violation.field,
        severity: 'medium',
        evidence: podSecurityEvidence('allowPrivilegeEscalation'),
      }));
    const unset = found.filter((violation) => violation.value !== 'true');
    if (unset.length) {
      violations.push({
        message: `${unset.map((violation) => label(violation.field)).join(', ')} ${unset.length === 1 ? 'does' : 'do'} not set allowPrivilegeEscalation: false (${breaksLevel('allowPrivilegeEscalation')})`,
        path: existingPrefix(object, firstByName(unset, (violation) => violation.container).field),
        evidence: { containers: unset.map((violation) => violation.container), ...podSecurityEvidence('allowPrivilegeEscalation') },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'false on every container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2", securityContext: {allowPrivilegeEscalation: false}}]
`,
      },
    ],
    invalid: [
      {
        name: 'true (medium) and unset (low)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:1.2", securityContext: {allowPrivilegeEscalation: true}}
  - {name: sidecar, image: "proxy:1.0"}
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
    ],
  },
});

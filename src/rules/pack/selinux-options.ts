import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const selinuxOptions: Rule = {
  meta: {
    id: 'selinux-options',
    title: 'Custom SELinux type, user or role',
    severity: 'medium',
    stage: 'fortify',
    description:
      'An SELinux type other than the container types (`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t`), or any SELinux user or role, lifts the confinement SELinux puts on containers (`spc_t` is unconfined). The baseline level forbids them.',
    remediation: 'Remove `seLinuxOptions.type`, `user` and `role`; keep `level` if the workload needs a category.',
    references: [podSecurityReference('seLinuxOptions'), { tool: 'trivy', id: 'KSV-0025' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'seLinuxOptions').map((violation) => {
      return {
        message: `${whoSets(object, violation.field)} sets SELinux ${String(violation.field[violation.field.length - 1])} ${JSON.stringify(violation.value)} (${breaksLevel('seLinuxOptions')})`,
        path: violation.field,
        evidence: podSecurityEvidence('seLinuxOptions'),
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'container_t with a level',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {seLinuxOptions: {type: container_t, level: "s0:c123,c456"}}
  containers: [{name: app, image: "web:1.2"}]
`,
      },
    ],
    invalid: [
      {
        name: 'spc_t on the pod, a role on a container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  securityContext: {seLinuxOptions: {type: spc_t}}
  containers: [{name: agent, image: "agent:1.0", securityContext: {seLinuxOptions: {role: system_r}}}]
`,
        violations: 2,
      },
    ],
  },
};

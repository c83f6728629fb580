import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleDeletesEvents: Rule = {
  meta: {
    id: 'role-deletes-events',
    title: 'Role may delete events',
    severity: 'low',
    stage: 'recon',
    description:
      'Deleting Events erases what the cluster recorded about an attack (failed mounts, new pods, evictions) before anyone reads it. `low` on a role nothing binds yet, `info` when the sources bind it.',
    remediation: 'Remove delete and deletecollection on events; let their TTL expire them.',
    references: [
      { tool: 'kubescape', id: 'C-0031' },
    ],
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-deletes-events'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: event-recorder}
rules:
- {apiGroups: ["", events.k8s.io], resources: [events], verbs: [create, patch, get, list]}
`,
      },
    ],
    invalid: [
      {
        name: 'deletecollection on events',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: janitor}
rules:
- {apiGroups: [""], resources: [events], verbs: [deletecollection]}
`,
        violations: 1,
      },
    ],
  },
};

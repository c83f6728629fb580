import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleEscalateBind: Rule = {
  meta: {
    id: 'role-escalate-bind',
    title: 'Role may escalate or bind roles',
    severity: 'medium',
    stage: 'recon',
    description:
      '`escalate` on roles lifts the check that an author holds the rules it writes; `bind` lets the holder bind roles it does not hold (cluster-admin included). Either is a way to every permission. `medium` on a ClusterRole nothing binds yet, `low` on a Role, `info` when the sources bind it.',
    remediation: 'Remove `escalate` and `bind`, or limit `bind` with `resourceNames` to harmless roles.',
    references: RBAC_PEERS.escalateBind,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-escalate-bind'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: rbac-viewer}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'bind on clusterroles and escalate on roles',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: delegator}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update]}
`,
        violations: 2,
      },
    ],
  },
};

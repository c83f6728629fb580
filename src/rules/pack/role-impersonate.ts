import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleImpersonate: Rule = {
  meta: {
    id: 'role-impersonate',
    title: 'Role may impersonate',
    severity: 'medium',
    stage: 'recon',
    description:
      '`impersonate` on users, groups, uids or serviceaccounts lets the holder act as them, `system:masters` included. `medium` on a ClusterRole nothing binds yet, `low` on a Role, `info` when the sources bind it.',
    remediation: 'Remove `impersonate`, or limit it with `resourceNames`.',
    references: RBAC_PEERS.impersonate,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-impersonate'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: user-viewer}
rules:
- {apiGroups: [""], resources: [serviceaccounts], verbs: [get, list]}
`,
      },
    ],
    invalid: [
      {
        name: 'impersonating users and groups',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sudoer}
rules:
- {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
`,
        violations: 1,
      },
    ],
  },
};

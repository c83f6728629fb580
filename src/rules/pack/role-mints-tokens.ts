import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleMintsTokens: Rule = {
  meta: {
    id: 'role-mints-tokens',
    title: 'Role may mint ServiceAccount tokens',
    severity: 'medium',
    stage: 'recon',
    description:
      '`create` on `serviceaccounts/token` issues a token for any ServiceAccount in scope: the holder becomes each of them. `medium` on a ClusterRole nothing binds yet, `low` on a Role, `info` when the sources bind it.',
    remediation: 'Remove create on serviceaccounts/token, or limit it with `resourceNames` to the accounts needed.',
    references: RBAC_PEERS.mintsTokens,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-mints-tokens'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sa-viewer}
rules:
- {apiGroups: [""], resources: [serviceaccounts], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'TokenRequest for every ServiceAccount',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: token-issuer}
rules:
- {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}
`,
        violations: 1,
      },
    ],
  },
};

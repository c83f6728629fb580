import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleReadsSecrets: Rule = {
  meta: {
    id: 'role-reads-secrets',
    title: 'Role reads or writes Secrets',
    severity: 'medium',
    stage: 'recon',
    description:
      '`get`, `list` or `watch` on Secrets returns their contents: every credential in scope; creating or changing them plants credentials (a ServiceAccount token Secret is filled with a token). `medium` on a ClusterRole nothing binds yet, `low` when limited by `resourceNames` or on a Role; `info` when the sources bind it (the RBAC finding on the bound subject is the one).',
    remediation: 'Mount the Secrets the workload needs instead of reading them through the API; if it must, `get` only the named ones, in its own namespace.',
    references: RBAC_PEERS.secrets,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-reads-secrets'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'list and watch every Secret (medium), get one by name in a Role (low), a bound Role (info)',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tls-reader, namespace: web}
rules:
- {apiGroups: [""], resources: [secrets], resourceNames: [web-tls], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: writer, namespace: web}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [create, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: writer, namespace: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: writer}
subjects: [{kind: ServiceAccount, name: web, namespace: web}]
`,
        violations: 3,
        severities: ['medium', 'low', 'info'],
      },
    ],
  },
};

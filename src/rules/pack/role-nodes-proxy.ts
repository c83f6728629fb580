import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleNodesProxy: Rule = {
  meta: {
    id: 'role-nodes-proxy',
    title: 'Role reaches the kubelet API (nodes/proxy)',
    severity: 'medium',
    stage: 'recon',
    description:
      '`get` or `create` on `nodes/proxy` reaches every kubelet\'s API through the API server: commands in any pod of any node, past admission and most audit policies. Monitoring needs `nodes/metrics` and `nodes/stats`, not this. `medium` on a ClusterRole nothing binds yet, `info` when the sources bind it (a Role cannot grant it: nodes are cluster-scoped).',
    remediation: 'Grant `nodes/metrics` and `nodes/stats` instead of `nodes/proxy`.',
    references: RBAC_PEERS.nodesProxy,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-nodes-proxy'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics-reader}
rules:
- {apiGroups: [""], resources: [nodes/metrics, nodes/stats], verbs: [get]}
`,
      },
    ],
    invalid: [
      {
        name: 'get on nodes/proxy',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scraper}
rules:
- {apiGroups: [""], resources: [nodes/proxy], verbs: [get]}
`,
        violations: 1,
      },
    ],
  },
};

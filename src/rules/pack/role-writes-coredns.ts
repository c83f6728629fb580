import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleWritesCoredns: Rule = {
  meta: {
    id: 'role-writes-coredns',
    title: 'Role may rewrite cluster DNS',
    severity: 'medium',
    stage: 'recon',
    description:
      'Changing the `coredns` ConfigMap in `kube-system` rewrites how every pod resolves names: traffic for any service goes wherever the holder says. Writing ConfigMaps cluster-wide, or in `kube-system`, includes it. `medium` on a ClusterRole nothing binds yet; a Role reaches it only in `kube-system` (`low`); `info` when the sources bind it.',
    remediation: 'Limit ConfigMap writes to the namespaces and names the holder owns.',
    references: [
      { tool: 'kubescape', id: 'C-0037' },
    ],
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-writes-coredns'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: config-writer, namespace: shop}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [update, patch]}
`,
      },
    ],
    invalid: [
      {
        name: 'ConfigMap writes in every namespace',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: config-writer}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, update]}
`,
        violations: 1,
      },
    ],
  },
};

import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleDestructiveDelete: Rule = {
  meta: {
    id: 'role-destructive-delete',
    title: 'Role may delete workloads, volumes or namespaces',
    severity: 'low',
    stage: 'recon',
    description:
      '`delete` or `deletecollection` on namespaces, PersistentVolumes and claims, CRDs, Secrets, ConfigMaps, Services, pods or pod controllers: data destruction and denial of service. Controllers delete what they own all the time, so this is `low` on a role nothing binds yet and `info` when the sources bind it.',
    remediation: 'Limit deletes to the resources (and with `resourceNames`, the objects) the holder owns.',
    references: [
      { tool: 'kubescape', id: 'C-0007' },
    ],
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-destructive-delete'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leases}
rules:
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update, delete]}
`,
      },
    ],
    invalid: [
      {
        name: 'deleting namespaces and PersistentVolumes',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cleaner}
rules:
- {apiGroups: [""], resources: [namespaces], verbs: [delete]}
- {apiGroups: [""], resources: [persistentvolumes], verbs: [delete, deletecollection]}
`,
        violations: 2,
      },
    ],
  },
};

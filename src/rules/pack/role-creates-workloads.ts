import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleCreatesWorkloads: Rule = {
  meta: {
    id: 'role-creates-workloads',
    title: 'Role may create pods or pod controllers',
    severity: 'medium',
    stage: 'recon',
    description:
      'Creating a pod (directly, or through a Deployment, DaemonSet, StatefulSet, ReplicaSet, Job or CronJob), changing a running one or adding an ephemeral container runs code as any ServiceAccount of the namespace, with any of its Secrets mounted, privileged where Pod Security allows. `medium` on a ClusterRole nothing binds yet, `low` on a Role, `info` when the sources bind it.',
    remediation: 'Let a deployment pipeline create workloads; enforce Pod Security on the namespaces.',
    references: RBAC_PEERS.createWorkloads,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-creates-workloads'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: deploy-viewer}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'create pods, patch deployments',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: runner}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
- {apiGroups: [apps], resources: [deployments], verbs: [patch]}
`,
        violations: 2,
      },
    ],
  },
};

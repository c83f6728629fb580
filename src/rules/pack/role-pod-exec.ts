import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const rolePodExec: Rule = {
  meta: {
    id: 'role-pod-exec',
    title: 'Role may exec, attach or port-forward into pods',
    severity: 'medium',
    stage: 'recon',
    description:
      '`create` (and, before Kubernetes 1.35, `get`) on `pods/exec`, `pods/attach` or `pods/portforward` runs commands in, or connects to, running pods: their tokens and mounted Secrets come with them. `medium` on a ClusterRole nothing binds yet, `low` on a Role, `info` when the sources bind it.',
    remediation: 'Keep exec, attach and port-forward to break-glass roles.',
    references: RBAC_PEERS.podExec,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-pod-exec'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: log-reader}
rules:
- {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}
`,
      },
    ],
    invalid: [
      {
        name: 'exec in every namespace (medium), port-forward in one (low)',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: debugger}
rules:
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tunnel, namespace: db}
rules:
- {apiGroups: [""], resources: [pods/portforward], verbs: [create]}
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
    ],
  },
};

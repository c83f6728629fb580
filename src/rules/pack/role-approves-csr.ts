import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleApprovesCsr: Rule = {
  meta: {
    id: 'role-approves-csr',
    title: 'Role approves certificate signing requests',
    severity: 'medium',
    stage: 'recon',
    description:
      'Updating `certificatesigningrequests/approval` (or `approve` on a signer) issues certificates: with the kube-apiserver-client signer, a client certificate for any user and group, `system:masters` included. `medium` on a ClusterRole nothing binds yet, `info` when the sources bind it.',
    remediation: 'Keep CSR approval to the controller manager and to approvers limited to their own signer.',
    references: RBAC_PEERS.approveCsr,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-approves-csr'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: csr-requester}
rules:
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create, get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'approving CSRs for the client signer',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: csr-approver}
rules:
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}
- {apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: ["kubernetes.io/kube-apiserver-client"], verbs: [approve]}
`,
        violations: 2,
      },
    ],
  },
};

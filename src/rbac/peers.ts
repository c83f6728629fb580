/**
 * The peers' ids for each RBAC concern (see ../shared/docs/research/scanners.md §2.1): one table for
 * the rule pack's role rules (`role-reads-secrets`, on the role object) and the RBAC engine's findings
 * on the subjects a binding grants it (`rbac-read-secrets`), so both name the same peers.
 */
import type { Reference } from '../rules/rule.js';

export const RBAC_PEERS = {
  secrets: [
    { tool: 'trivy', id: 'KSV-0041' },
    { tool: 'trivy', id: 'KSV-0113' },
    { tool: 'kubescape', id: 'C-0015' },
    { tool: 'kubescape', id: 'C-0186' },
    { tool: 'checkov', id: 'CKV2_K8S_5' },
    { tool: 'kube-linter', id: 'access-to-secrets' },
  ],
  wildcard: [
    { tool: 'checkov', id: 'CKV_K8S_49' },
    { tool: 'trivy', id: 'KSV-0044' },
    { tool: 'trivy', id: 'KSV-0045' },
    { tool: 'trivy', id: 'KSV-0046' },
    { tool: 'kubescape', id: 'C-0187' },
    { tool: 'kube-linter', id: 'wildcard-in-rules' },
  ],
  escalateBind: [
    { tool: 'checkov', id: 'CKV_K8S_157' },
    { tool: 'checkov', id: 'CKV_K8S_158' },
    { tool: 'checkov', id: 'CKV2_K8S_1' },
    { tool: 'trivy', id: 'KSV-0050' },
    { tool: 'kubescape', id: 'C-0191' },
  ],
  impersonate: [
    { tool: 'checkov', id: 'CKV2_K8S_3' },
    { tool: 'trivy', id: 'KSV-0043' },
    { tool: 'kubescape', id: 'C-0065' },
    { tool: 'kubescape', id: 'C-0191' },
  ],
  createWorkloads: [
    { tool: 'trivy', id: 'KSV-0048' },
    { tool: 'kubescape', id: 'C-0188' },
    { tool: 'kube-linter', id: 'access-to-create-pods' },
  ],
  nodesProxy: [
    { tool: 'trivy', id: 'KSV-0047' },
    { tool: 'kubescape', id: 'C-0279' },
    { tool: 'checkov', id: 'CKV2_K8S_2' },
  ],
  podExec: [
    { tool: 'trivy', id: 'KSV-0053' },
    { tool: 'kubescape', id: 'C-0002' },
    { tool: 'kubescape', id: 'C-0063' },
    { tool: 'polaris', id: 'clusterrolePodExecAttach' },
    { tool: 'polaris', id: 'rolePodExecAttach' },
    { tool: 'checkov', id: 'CKV2_K8S_2' },
  ],
  approveCsr: [
    { tool: 'checkov', id: 'CKV_K8S_156' },
    { tool: 'kubescape', id: 'C-0280' },
  ],
  webhooks: [
    { tool: 'checkov', id: 'CKV_K8S_155' },
    { tool: 'trivy', id: 'KSV-0114' },
    { tool: 'kubescape', id: 'C-0281' },
    { tool: 'kubescape', id: 'C-0036' },
    { tool: 'kubescape', id: 'C-0039' },
  ],
  mintsTokens: [{ tool: 'kubescape', id: 'C-0282' }],
  clusterAdmin: [
    { tool: 'trivy', id: 'KSV-0111' },
    { tool: 'kubescape', id: 'C-0035' },
    { tool: 'kube-linter', id: 'cluster-admin-role-binding' },
    { tool: 'polaris', id: 'clusterrolebindingClusterAdmin' },
  ],
} satisfies Record<string, Reference[]>;

/** The peers of each RBAC engine finding, by risk id (risks without a peer check have none). */
export const RISK_PEERS: Readonly<Record<string, readonly Reference[]>> = {
  'rbac-read-secrets': RBAC_PEERS.secrets,
  'rbac-get-secrets': RBAC_PEERS.secrets,
  'rbac-create-secrets': RBAC_PEERS.secrets,
  'rbac-wildcard': RBAC_PEERS.wildcard,
  'rbac-escalate': RBAC_PEERS.escalateBind,
  'rbac-bind': RBAC_PEERS.escalateBind,
  'rbac-impersonate': RBAC_PEERS.impersonate,
  'rbac-create-pods': RBAC_PEERS.createWorkloads,
  'rbac-pod-controllers': RBAC_PEERS.createWorkloads,
  'rbac-modify-pods': RBAC_PEERS.createWorkloads,
  'rbac-nodes-proxy': RBAC_PEERS.nodesProxy,
  'rbac-pod-exec': RBAC_PEERS.podExec,
  'rbac-approve-csr': RBAC_PEERS.approveCsr,
  'rbac-admission-control': RBAC_PEERS.webhooks,
  'rbac-token-request': RBAC_PEERS.mintsTokens,
  'rbac-cluster-admin': RBAC_PEERS.clusterAdmin,
};

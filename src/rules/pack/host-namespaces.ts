import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations } from './helpers.js';

const WHAT: Record<string, string> = {
  hostPID: 'PID (it sees, signals and traces every process on the node)',
  hostNetwork: 'network (it listens on the node\'s interfaces, reaches the kubelet and node-local services, and NetworkPolicies do not apply to it)',
  hostIPC: 'IPC (it shares the node\'s shared memory)',
};

export const hostNamespaces: Rule = {
  meta: {
    id: 'host-namespaces',
    title: 'Pod shares the node\'s PID, network or IPC namespace',
    severity: 'medium',
    stage: 'fortify',
    description:
      '`hostPID`, `hostNetwork` or `hostIPC` put the pod in the node\'s own namespaces: it sees the node\'s processes (and their environment), its network stack, or its shared memory. Node agents (CNI, exporters, log shippers) need some of them; an application never does. One finding per pod lists the namespaces it shares. Combined with a mount of the node\'s `/`, `node-root-access` reports it as `high`.',
    remediation: 'Remove `hostPID`, `hostNetwork` and `hostIPC`; for a node agent that needs one, record why with a suppression.',
    references: [
      podSecurityReference('hostNamespaces'),
      { tool: 'checkov', id: 'CKV_K8S_17' },
      { tool: 'checkov', id: 'CKV_K8S_18' },
      { tool: 'checkov', id: 'CKV_K8S_19' },
      { tool: 'trivy', id: 'KSV-0008' },
      { tool: 'trivy', id: 'KSV-0009' },
      { tool: 'trivy', id: 'KSV-0010' },
      { tool: 'kubescape', id: 'C-0038' },
      { tool: 'kubescape', id: 'C-0041' },
      { tool: 'kube-linter', id: 'host-pid' },
      { tool: 'kube-linter', id: 'host-network' },
      { tool: 'kube-linter', id: 'host-ipc' },
      { tool: 'polaris', id: 'hostPIDSet' },
      { tool: 'polaris', id: 'hostNetworkSet' },
      { tool: 'polaris', id: 'hostIPCSet' },
      { tool: 'kubesec', id: 'HostPID' },
      { tool: 'kubesec', id: 'HostNetwork' },
      { tool: 'kubesec', id: 'HostIPC' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations = podSecurityViolations(object, 'hostNamespaces');
    if (!violations.length) return [];
    const fields = violations.map((violation) => String(violation.field[violation.field.length - 1]));
    return [
      {
        message: `shares the node's ${fields.map((field) => WHAT[field]).join(', and ')} (${breaksLevel('hostNamespaces')})`,
        path: violations[0].field,
        evidence: { namespaces: fields, ...podSecurityEvidence('hostNamespaces') },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'host namespaces explicitly off',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: false
      hostPID: false
      containers: [{name: app, image: "web:1.4"}]
`,
      },
    ],
    invalid: [
      {
        name: 'a node exporter on the host PID and network namespaces: one finding',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostPID: true
      hostNetwork: true
      containers: [{name: exporter, image: "quay.io/prometheus/node-exporter:v1.8.2"}]
`,
        violations: 1,
      },
    ],
  },
};

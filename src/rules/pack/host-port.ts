import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const hostPort: Rule = {
  meta: {
    id: 'host-port',
    title: 'Container binds a port of the node',
    severity: 'medium',
    stage: 'fortify',
    description:
      'A `hostPort` opens the port on the node\'s own address, next to the kubelet and every other node service: the pod is reachable from wherever the node is, around Services, and only one such pod fits on a node.',
    remediation: 'Expose the container through a Service (and an Ingress or a LoadBalancer) instead of `hostPort`.',
    references: [
      podSecurityReference('hostPorts'),
      { tool: 'checkov', id: 'CKV_K8S_26' },
      { tool: 'trivy', id: 'KSV-0024' },
      { tool: 'kubescape', id: 'C-0044' },
      { tool: 'polaris', id: 'hostPortSet' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'hostPorts').map((violation) => {
      return {
        message: `${whoSets(object, violation.field)} binds port ${violation.value} of the node (${breaksLevel('hostPorts')})`,
        path: violation.field,
        evidence: { hostPort: Number(violation.value), ...podSecurityEvidence('hostPorts') },
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'a container port without hostPort, and hostPort 0',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "nginx:1.27.2"
    ports: [{containerPort: 8080}, {containerPort: 8443, hostPort: 0}]
`,
      },
    ],
    invalid: [
      {
        name: 'an ingress controller on the node\'s ports 80 and 443',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge, namespace: ingress}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers:
      - name: controller
        image: "registry.k8s.io/ingress-nginx/controller:v1.11.2"
        ports: [{containerPort: 80, hostPort: 80}, {containerPort: 443, hostPort: 443}]
`,
        violations: 2,
      },
    ],
  },
};

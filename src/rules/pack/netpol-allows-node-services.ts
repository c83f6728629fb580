import type { Rule, Violation } from '../rule.js';
import { allowsEverything, allowsTcpPort, networkPolicyOf, reachesAddress, reachesOutside } from './network-policies.js';

const METADATA_ADDRESS = '169.254.169.254';
const KUBELET_PORT = 10250;

export const netpolAllowsNodeServices: Rule = {
  meta: {
    id: 'netpol-allows-node-services',
    title: 'NetworkPolicy egress reaches the cloud metadata endpoint or the kubelet',
    severity: 'medium',
    stage: 'limit',
    description:
      `An egress rule that allows ${METADATA_ADDRESS}:80 (the cloud metadata endpoint: the node's cloud credentials, bootstrap tokens) or TCP ${KUBELET_PORT} outside the cluster (the kubelet API of every node). \`0.0.0.0/0\` without an \`except\` for ${METADATA_ADDRESS}/32 is the usual cause. Rules that allow everything are \`netpol-allows-all\`'s.`,
    remediation: `Add \`except: [${METADATA_ADDRESS}/32]\` to wide ipBlocks, and do not open port ${KUBELET_PORT}.`,
    references: [{ tool: 'kubernetes-docs', id: 'network-policies', url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource' }],
    kinds: ['NetworkPolicy'],
  },
  check(object, context) {
    const model = networkPolicyOf(object, context);
    if (!model || !model.isolates.egress) return [];
    const violations: Violation[] = [];
    for (const rule of model.rules.egress) {
      if (allowsEverything(rule)) continue;
      const reached: string[] = [];
      if (reachesAddress(rule.peers, METADATA_ADDRESS) && allowsTcpPort(rule.ports, 80)) reached.push(`the cloud metadata endpoint (${METADATA_ADDRESS}:80)`);
      if (reachesOutside(rule.peers) && allowsTcpPort(rule.ports, KUBELET_PORT)) reached.push(`the kubelet port (TCP ${KUBELET_PORT}) of any node`);
      if (!reached.length) continue;
      violations.push({ message: `egress rule #${rule.index + 1} allows ${reached.join(' and ')}`, path: ['spec', 'egress', rule.index], evidence: { rule: rule.index, reaches: reached } });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'internet HTTPS with the metadata address excepted; DNS to the cluster',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, 10.0.0.0/8]}}]
    ports: [{port: 443}, {port: 80}]
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
    ports: [{port: 53, protocol: UDP}]
`,
      },
    ],
    invalid: [
      {
        name: '0.0.0.0/0 on any port, and port 10250 to every destination',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: agent, namespace: ops}
spec:
  podSelector: {matchLabels: {app: agent}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
  - ports: [{port: 10250}]
`,
        violations: 2,
      },
    ],
  },
};

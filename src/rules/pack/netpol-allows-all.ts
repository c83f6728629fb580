import { DIRECTIONS } from '../../netpol/policy.js';
import type { Rule, Violation } from '../rule.js';
import { allowsEverything, networkPolicyOf } from './network-policies.js';

export const netpolAllowsAll: Rule = {
  meta: {
    id: 'netpol-allows-all',
    title: 'NetworkPolicy rule allows all traffic',
    severity: 'low',
    stage: 'limit',
    description:
      'An ingress or egress rule that allows every peer on every port (`- {}`, or every pod of every namespace plus every address): for the pods it selects, that direction is not isolated at all, whatever the policy\'s name says. Egress that way includes the cloud metadata endpoint and the nodes\' kubelets.',
    remediation: 'List the peers (pods, namespaces, CIDRs) and ports the pods need.',
    references: [{ tool: 'kubernetes-docs', id: 'network-policies', url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#allow-all-ingress-traffic' }],
    kinds: ['NetworkPolicy'],
  },
  check(object, context) {
    const model = networkPolicyOf(object, context);
    if (!model) return [];
    const violations: Violation[] = [];
    for (const direction of DIRECTIONS) {
      if (!model.isolates[direction]) continue;
      for (const rule of model.rules[direction]) {
        if (!allowsEverything(rule)) continue;
        violations.push({
          message: `${direction} rule #${rule.index + 1} allows every ${direction === 'ingress' ? 'source' : 'destination'} on every port${direction === 'egress' ? ' (the cloud metadata endpoint and the kubelets included)' : ''}: ${direction} of the selected pods is not restricted`,
          path: ['spec', direction, rule.index],
          evidence: { direction, rule: rule.index },
        });
      }
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'a default deny, and a rule with peers',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 8080}]}]
`,
      },
    ],
    invalid: [
      {
        name: 'allow-all ingress, and egress to every pod and every address',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress:
  - to: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}]
`,
        violations: 2,
      },
    ],
  },
};

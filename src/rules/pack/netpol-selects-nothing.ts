import { selectorMatches } from '../../core/selector.js';
import type { Rule } from '../rule.js';
import { networkPolicyOf, podLabelsIn } from './network-policies.js';

export const netpolSelectsNothing: Rule = {
  meta: {
    id: 'netpol-selects-nothing',
    title: 'NetworkPolicy selects no pod of the sources',
    severity: 'low',
    stage: 'limit',
    description:
      'The policy\'s `podSelector` matches none of the pods the sources run in its namespace: it protects nothing, usually because of a label typo or a selector written for another chart\'s labels. Judged only where the sources hold workloads of that namespace.',
    remediation: 'Fix the podSelector to the labels of the pod templates it is meant for (see `kubeward netpol coverage`).',
    references: [
      { tool: 'kube-linter', id: 'dangling-networkpolicy' },
      { tool: 'kube-score', id: 'networkpolicy-targets-pod' },
    ],
    kinds: ['NetworkPolicy'],
  },
  check(object, context) {
    const model = networkPolicyOf(object, context);
    if (!model) return [];
    const pods = podLabelsIn(model.namespace, context);
    if (!pods.length || pods.some((labels) => selectorMatches(model.podSelector, labels))) return [];
    return [{ message: `its podSelector matches none of the ${pods.length} pod template${pods.length === 1 ? '' : 's'} in namespace ${model.namespace}: it protects nothing`, path: ['spec', 'podSelector'] }];
  },
  examples: {
    valid: [
      {
        name: 'selects the web pods; a namespace without workloads in the sources is not judged',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: gateway}}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1.2"}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other, namespace: elsewhere}
spec:
  podSelector: {matchLabels: {app: nothing-here}}
`,
      },
    ],
    invalid: [
      {
        name: 'a label typo',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: wbe}}
  policyTypes: [Ingress]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: web}}
  template:
    metadata: {labels: {app.kubernetes.io/name: web}}
    spec: {containers: [{name: web, image: "web:1.2"}]}
`,
        violations: 1,
      },
    ],
  },
};

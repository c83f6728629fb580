import { podTemplateOf, serviceAccountOf, tokenAutomounted, WORKLOAD_KINDS } from '../../core/workload.js';
import { describeRef, refOf } from '../../core/object.js';
import { isBootstrapObject, type Grant } from '../../rbac/index.js';
import type { KubeObject } from '../../core/object.js';
import type { Rule, RuleContext } from '../rule.js';
import { sharedEngine } from '../token-analysis.js';

/** The workloads of the inventory by the ServiceAccount they run as (namespace, then name), in inventory order, indexed once per scan. */
function workloadsRunningAs(context: RuleContext): Map<string, Map<string, KubeObject[]>> {
  return context.shared('workloads-by-service-account', () => {
    const index = new Map<string, Map<string, KubeObject[]>>();
    for (const workload of context.inventory.objects) {
      if (!WORKLOAD_KINDS.includes(workload.kind)) continue;
      const template = podTemplateOf(workload);
      if (!template) continue;
      const namespace = workload.metadata.namespace ?? '';
      let byName = index.get(namespace);
      if (!byName) index.set(namespace, (byName = new Map()));
      const name = serviceAccountOf(template.spec);
      const list = byName.get(name);
      if (list) list.push(workload);
      else byName.set(name, [workload]);
    }
    return index;
  });
}

const grantsOutsideBootstrap = (grant: Grant) => !isBootstrapObject(grant.binding.object.metadata.labels);

export const serviceAccountUnbound: Rule = {
  meta: {
    id: 'service-account-unbound',
    title: 'ServiceAccount bound to nothing',
    severity: 'info',
    stage: 'recon',
    description:
      'A ServiceAccount of the sources that no RoleBinding or ClusterRoleBinding of the sources grants anything (directly or through its groups; the cluster\'s own default bindings aside). Least privilege at its best, unless a binding arrives later. `low` when workloads still mount its token: a token with nothing to do should not be in the pod. `info` otherwise.',
    remediation: 'Set `automountServiceAccountToken: false` on the ServiceAccount (or on the pods that use it); delete it if no workload uses it.',
    references: [{ tool: 'kubernetes-docs', id: 'opt-out-of-api-credential-automounting', url: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting' }],
    kinds: ['ServiceAccount'],
  },
  check(object, context) {
    const namespace = object.metadata.namespace;
    const name = object.metadata.name;
    if (!namespace || !name) return [];
    const engine = sharedEngine(context);
    if (engine.someGrantOfServiceAccount(namespace, name, grantsOutsideBootstrap)) return [];
    const users = workloadsRunningAs(context).get(namespace)?.get(name) ?? [];
    const mounting = users.filter((workload) => tokenAutomounted(podTemplateOf(workload)?.spec ?? {}, object));
    if (mounting.length) {
      return [
        {
          message: `is bound to nothing in the sources, yet ${mounting.map((workload) => describeRef(refOf(workload))).join(', ')} mount${mounting.length === 1 ? 's' : ''} its token: turn automounting off`,
          path: object.automountServiceAccountToken !== undefined ? ['automountServiceAccountToken'] : ['metadata'],
          severity: 'low',
          evidence: { mountedBy: mounting.map(refOf) },
        },
      ];
    }
    return [{ message: `is bound to nothing in the sources${users.length ? '' : ', and no workload of the sources runs as it'}`, path: ['metadata'] }];
  },
  examples: {
    valid: [
      {
        name: 'bound by a RoleBinding; bound through its namespace\'s group',
        yaml: `
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: batch, namespace: jobs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: all-accounts, namespace: jobs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:serviceaccounts:jobs", apiGroup: rbac.authorization.k8s.io}]
`,
      },
    ],
    invalid: [
      {
        name: 'unbound with its token mounted (low), unbound and unused (info)',
        yaml: `
apiVersion: v1
kind: ServiceAccount
metadata: {name: worker, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec: {serviceAccountName: worker, containers: [{name: worker, image: "worker:1.0"}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: leftover, namespace: shop}
automountServiceAccountToken: false
`,
        violations: 2,
        severities: ['low', 'info'],
      },
    ],
  },
};

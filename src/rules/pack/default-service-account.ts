import { isHelmTestHook } from '../../core/hooks.js';
import { podTemplateOf, serviceAccountOf, tokenAutomounted, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload } from './helpers.js';

export const defaultServiceAccount: Rule = {
  meta: {
    id: 'default-service-account',
    title: 'Workload runs as the default ServiceAccount',
    severity: 'medium',
    stage: 'evaluate',
    description:
      'A workload without `serviceAccountName` runs as its namespace\'s `default` ServiceAccount, which every other such workload shares: a permission granted to one is granted to all of them, and a stolen token from one speaks for all. Severity is `medium` when the token is mounted into the pod and `low` when `automountServiceAccountToken: false` keeps it out; `info` for a `helm test` pod, which runs only when someone runs the tests.',
    remediation: 'Create a ServiceAccount for the workload, set `serviceAccountName`, and set `automountServiceAccountToken: false` unless the workload calls the Kubernetes API.',
    references: [
      { tool: 'kube-linter', id: 'default-service-account' },
      { tool: 'checkov', id: 'CKV_K8S_41' },
      { tool: 'kubescape', id: 'C-0189' },
      { tool: 'kics', id: 'b93e973e-9066-4455-a63b-c1c0e1ec3a48' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const template = podTemplateOf(object);
    if (!template || serviceAccountOf(template.spec) !== 'default') return [];
    const account = context.inventory.get('ServiceAccount', object.metadata.namespace, 'default');
    const mounted = tokenAutomounted(template.spec, account);
    const testHook = isHelmTestHook(object);
    const message = mounted
      ? `runs as ServiceAccount "default" with its token mounted: every workload without its own account shares these permissions`
      : `runs as ServiceAccount "default" (token not mounted)`;
    return [
      {
        message: testHook ? `${message} (a helm test pod)` : message,
        path: template.spec.serviceAccountName !== undefined ? [...template.specPath, 'serviceAccountName'] : template.specPath,
        severity: testHook ? 'info' : mounted ? 'medium' : 'low',
        evidence: { serviceAccount: 'default', tokenMounted: mounted },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'its own ServiceAccount',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: shop}
spec:
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      serviceAccountName: checkout
      containers: [{name: app, image: "checkout:2.3"}]
`,
      },
      {
        name: 'a Pod whose ReplicaSet is in the inventory is reported on the ReplicaSet only',
        yaml: `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d9c, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {serviceAccountName: web, containers: [{name: app, image: "web:1"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-x7k2p
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: "1"}]
spec: {containers: [{name: app, image: "web:1"}]}
`,
      },
    ],
    invalid: [
      {
        name: 'no serviceAccountName, and an explicit default with the token off',
        yaml: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: "report:1.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  serviceAccountName: default
  automountServiceAccountToken: false
  containers: [{name: sh, image: "busybox:1.36"}]
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
      {
        name: 'a helm test pod on the default ServiceAccount (reported at info)',
        yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: web-test-connection
  namespace: shop
  annotations: {helm.sh/hook: test}
spec:
  restartPolicy: Never
  containers: [{name: wget, image: "busybox:1.36", command: [wget, "web:80"]}]
`,
        violations: 1,
        severities: ['info'],
      },
    ],
  },
};

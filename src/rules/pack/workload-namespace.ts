import type { KubeObject } from '../../core/object.js';
import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, RuleContext, Violation } from '../rule.js';
import { checkedWorkload } from './helpers.js';

/**
 * A workload the source itself places in `namespace`: not one the installer put there (`-n`, a
 * chart's `.Release.Namespace`, or no namespace at all), which is the user's choice, not the chart's.
 */
function placedBySource(object: KubeObject, context: RuleContext, namespace: string): Violation[] {
  if (!checkedWorkload(object, context) || object.metadata.namespace !== namespace) return [];
  if (context.inventory.provenanceOf(object)?.namespaceFromInstall) return [];
  return [{ message: `the manifest places it in namespace ${namespace}`, path: ['metadata', 'namespace'] }];
}

export const workloadInDefaultNamespace: Rule = {
  meta: {
    id: 'workload-in-default-namespace',
    title: 'Workload placed in the default namespace',
    severity: 'low',
    stage: 'fortify',
    description:
      '`default` is where everything without a namespace lands: it mixes unrelated workloads, so RBAC, NetworkPolicies and Pod Security cannot be set for one of them. Reported only when the manifest names `default` itself; the namespace a chart is installed into (`-n`, or `default` without it) is the installer\'s choice.',
    remediation: 'Give the workload a namespace of its own (for a chart, template `{{ .Release.Namespace }}` and install with `-n`).',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_21' },
      { tool: 'trivy', id: 'KSV-0110' },
      { tool: 'kubescape', id: 'C-0061' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check: (object, context) => placedBySource(object, context, 'default'),
  examples: {
    valid: [
      {
        name: 'no namespace in the manifest (the installer\'s choice), and a namespace of its own',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: app, image: "web:1.2"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec: {containers: [{name: app, image: "api:3.1"}]}
`,
      },
    ],
    invalid: [
      {
        name: 'hard-coded default',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "web:1.2"}]}
`,
        violations: 1,
      },
    ],
  },
};

export const workloadInKubeSystem: Rule = {
  meta: {
    id: 'workload-in-kube-system',
    title: 'Workload placed in kube-system',
    severity: 'low',
    stage: 'fortify',
    description:
      '`kube-system` holds the control plane\'s ServiceAccounts and is exempt from most admission policies: a workload there runs next to the cluster\'s most powerful credentials, and a RoleBinding it needs there is a grant in the most privileged namespace. Reported when the manifest names `kube-system` itself, not when the installer chose it.',
    remediation: 'Install the workload into a namespace of its own.',
    references: [{ tool: 'trivy', id: 'KSV-0037' }],
    kinds: WORKLOAD_KINDS,
  },
  check: (object, context) => placedBySource(object, context, 'kube-system'),
  examples: {
    valid: [
      {
        name: 'its own namespace',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: monitoring}
spec: {containers: [{name: agent, image: "agent:1.0"}]}
`,
      },
    ],
    invalid: [
      {
        name: 'a chart\'s DaemonSet hard-coded into kube-system',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fast-trace-agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: trace}}
  template:
    metadata: {labels: {app: trace}}
    spec: {containers: [{name: agent, image: "fast-trace/agent:1.0"}]}
`,
        violations: 1,
      },
    ],
  },
};

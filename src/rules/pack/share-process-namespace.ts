import { podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

export const shareProcessNamespace: Rule = hardening({
  meta: {
    id: 'share-process-namespace',
    title: 'Containers of the pod share one process namespace',
    severity: 'low',
    stage: 'fortify',
    description:
      'With `shareProcessNamespace: true` every container sees the others\' processes, signals them, and reads their environment and files through `/proc/<pid>/root`: a sidecar reads the main container\'s secrets. Not part of the Pod Security Standards.',
    remediation: 'Remove `shareProcessNamespace`, unless a debugging or signalling sidecar needs it; then keep that sidecar trusted.',
    references: [{ tool: 'kubernetes-docs', id: 'share-process-namespace', url: 'https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const template = podTemplateOf(object);
    if (template?.spec.shareProcessNamespace !== true) return [];
    const names = (template.spec.containers ?? []).map((container) => `"${container.name ?? ''}"`);
    return [
      {
        message: `its containers (${names.join(', ')}) see each other's processes, environment and files`,
        path: [...template.specPath, 'shareProcessNamespace'],
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'explicitly false',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  shareProcessNamespace: false
  containers: [{name: app, image: "web:1.2"}]
`,
      },
    ],
    invalid: [
      {
        name: 'a sidecar that can read the app\'s environment',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      shareProcessNamespace: true
      containers: [{name: app, image: "web:1.2"}, {name: agent, image: "agent:0.3"}]
`,
        violations: 1,
      },
    ],
  },
});

import { isRecord } from '../../core/object.js';
import { containersOf, describeContainer, podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

export const ephemeralStorageLimit: Rule = hardening({
  meta: {
    id: 'ephemeral-storage-limit',
    title: 'No ephemeral-storage limit',
    severity: 'info',
    stage: 'fortify',
    description:
      'Logs, image layers written to and `emptyDir` volumes live on the node\'s disk: a container without `limits.ephemeral-storage` can fill it, and the kubelet then evicts other pods. One finding per pod, naming the containers.',
    remediation: 'Set `resources.limits.ephemeral-storage` on every container (and `sizeLimit` on `emptyDir` volumes).',
    references: [{ tool: 'kube-score', id: 'container-ephemeral-storage-request-and-limit' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const without = containersOf(object).filter((ref) => {
      if (ref.kind === 'ephemeralContainer') return false;
      const resources = ref.container.resources;
      return !(isRecord(resources) && isRecord(resources.limits) && resources.limits['ephemeral-storage'] !== undefined);
    });
    if (!without.length) return [];
    return [{ message: `${without.map(describeContainer).join(', ')} can fill the node's disk (no ephemeral-storage limit)`, path: podTemplateOf(object)?.specPath, evidence: { containers: without.map((ref) => ref.container.name) } }];
  },
  examples: {
    valid: [
      {
        name: 'a limit on every container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2", resources: {limits: {memory: 256Mi, ephemeral-storage: 1Gi}}}]
`,
      },
    ],
    invalid: [
      {
        name: 'two containers without: one finding',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2"}, {name: proxy, image: "proxy:1.0", resources: {limits: {memory: 64Mi}}}]
`,
        violations: 1,
      },
    ],
  },
});

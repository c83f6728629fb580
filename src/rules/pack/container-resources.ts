import { isRecord } from '../../core/object.js';
import { type Container, containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

function quantities(container: Container, field: 'requests' | 'limits'): Readonly<Record<string, unknown>> {
  const resources = container.resources;
  return isRecord(resources) && isRecord(resources[field]) ? resources[field] : NONE;
}

const NONE: Readonly<Record<string, unknown>> = Object.freeze({});

const set = (value: unknown) => value !== undefined && value !== null && value !== '';

/** What a container leaves unset, with Kubernetes' defaulting: a request defaults to its limit. */
export function missingResources(container: Container): string[] {
  const requests = quantities(container, 'requests');
  const limits = quantities(container, 'limits');
  const missing: string[] = [];
  if (!set(limits.memory)) missing.push('memory limit');
  if (!set(requests.memory) && !set(limits.memory)) missing.push('memory request');
  if (!set(requests.cpu) && !set(limits.cpu)) missing.push('CPU request');
  return missing;
}

export const containerResources: Rule = hardening({
  meta: {
    id: 'container-resources',
    title: 'Container without memory limit or CPU and memory requests',
    severity: 'low',
    stage: 'fortify',
    description:
      'Without a memory limit a container can take the node\'s memory until the kernel kills its neighbours; without requests the scheduler places it blind, and it is the first evicted. A request left unset defaults to its limit, so a limit alone counts. CPU limits are not required: they throttle a container that could use idle CPU, and the request already shares CPU fairly. One finding per container (ephemeral containers excepted).',
    remediation: 'Set `resources.requests.cpu`, `resources.requests.memory` and `resources.limits.memory` on every container.',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_10' },
      { tool: 'checkov', id: 'CKV_K8S_12' },
      { tool: 'checkov', id: 'CKV_K8S_13' },
      { tool: 'trivy', id: 'KSV-0015' },
      { tool: 'trivy', id: 'KSV-0016' },
      { tool: 'trivy', id: 'KSV-0018' },
      { tool: 'kubescape', id: 'C-0004' },
      { tool: 'kubescape', id: 'C-0050' },
      { tool: 'kube-linter', id: 'unset-cpu-requirements' },
      { tool: 'kube-linter', id: 'unset-memory-requirements' },
      { tool: 'polaris', id: 'cpuRequestsMissing' },
      { tool: 'polaris', id: 'memoryRequestsMissing' },
      { tool: 'polaris', id: 'memoryLimitsMissing' },
      { tool: 'kube-score', id: 'container-resources' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations: Violation[] = [];
    for (const ref of containersOf(object)) {
      if (ref.kind === 'ephemeralContainer') continue;
      const missing = missingResources(ref.container);
      if (!missing.length) continue;
      violations.push({
        message: `${describeContainer(ref)} sets no ${missing.join(', ')}: it can starve its neighbours on the node, and is evicted first`,
        path: isRecord(ref.container.resources) ? [...ref.path, 'resources'] : ref.path,
        evidence: { missing },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'requests and a memory limit; limits alone (requests default to them)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:1.2", resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}
  - {name: proxy, image: "proxy:1.0", resources: {limits: {cpu: 200m, memory: 64Mi}}}
`,
      },
    ],
    invalid: [
      {
        name: 'no resources at all, and requests without a memory limit',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: "api:3.1"}
      - {name: proxy, image: "proxy:1.0", resources: {requests: {cpu: 50m, memory: 32Mi}}}
`,
        violations: 2,
      },
    ],
  },
});

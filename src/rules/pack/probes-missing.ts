import { containersOf, describeContainer, type ContainerRef } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload, firstByName } from './helpers.js';

type Probe = 'livenessProbe' | 'readinessProbe';

const absent = (probe: unknown) => probe === undefined || probe === null;

/** Workloads that are meant to keep running (Jobs, CronJobs and bare Pods finish or are one-offs). */
const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'];

export const probesMissing: Rule = {
  meta: {
    id: 'probes-missing',
    title: 'Long-running container without liveness or readiness probe',
    severity: 'info',
    stage: 'fortify',
    description:
      'Without a readiness probe a Service sends traffic to a container that is not ready; without a liveness probe a hung process is never restarted. Reliability, not security: `info`. Only the regular containers of Deployments, StatefulSets, DaemonSets, ReplicaSets and ReplicationControllers are checked; one finding per workload.',
    remediation: 'Add a `readinessProbe` (and a `livenessProbe` that checks the process itself, not its dependencies).',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_8' },
      { tool: 'checkov', id: 'CKV_K8S_9' },
      { tool: 'kubescape', id: 'C-0056' },
      { tool: 'kubescape', id: 'C-0018' },
      { tool: 'kube-linter', id: 'no-liveness-probe' },
      { tool: 'kube-linter', id: 'no-readiness-probe' },
      { tool: 'polaris', id: 'livenessProbeMissing' },
      { tool: 'polaris', id: 'readinessProbeMissing' },
      { tool: 'kube-score', id: 'pod-probes' },
    ],
    kinds: LONG_RUNNING,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const lacking: { ref: ContainerRef; missing: Probe[] }[] = [];
    for (const ref of containersOf(object)) {
      if (ref.kind !== 'container') continue;
      const noLiveness = absent(ref.container.livenessProbe);
      const noReadiness = absent(ref.container.readinessProbe);
      if (noLiveness || noReadiness) lacking.push({ ref, missing: noLiveness && noReadiness ? ['livenessProbe', 'readinessProbe'] : [noLiveness ? 'livenessProbe' : 'readinessProbe'] });
    }
    if (!lacking.length) return [];
    return [
      {
        message: lacking.map(({ ref, missing }) => `${describeContainer(ref)} has no ${missing.join(' or ')}`).join('; '),
        path: firstByName(lacking, ({ ref }) => ref.container.name).ref.path,
        evidence: { containers: lacking.map(({ ref, missing }) => ({ container: ref.container.name, missing })) },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'both probes; a Job is not checked',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: "web:1.2"
        livenessProbe: {httpGet: {path: /livez, port: 8080}}
        readinessProbe: {httpGet: {path: /readyz, port: 8080}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "migrate:4.17.1"}]
`,
      },
    ],
    invalid: [
      {
        name: 'no probes at all, and only a readiness probe: one finding',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache, namespace: shop}
spec:
  serviceName: cache
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers:
      - {name: redis, image: "redis:7.4.1"}
      - {name: exporter, image: "oliver006/redis_exporter:v1.66.0", readinessProbe: {tcpSocket: {port: 9121}}}
`,
        violations: 1,
      },
    ],
  },
};

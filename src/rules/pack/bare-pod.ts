import { isHelmHook } from '../../core/hooks.js';
import { controllerOf } from '../../core/workload.js';
import { hardening } from './helpers.js';
import type { Rule } from '../rule.js';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export const barePod: Rule = hardening({
  meta: {
    id: 'bare-pod',
    title: 'Pod without a controller',
    severity: 'low',
    stage: 'fortify',
    description:
      'A Pod created directly is not recreated when its node fails or it is evicted, and nothing rolls it out again after a change. Helm hook pods (install and upgrade hooks) are one-offs by design and are reported at `info`; static pods\' mirrors are skipped.',
    remediation: 'Run it from a Deployment, StatefulSet, DaemonSet or Job.',
    references: [{ tool: 'kubescape', id: 'C-0073' }],
    kinds: ['Pod'],
  },
  check(object) {
    if (controllerOf(object) || object.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return [];
    const hook = isHelmHook(object);
    return [
      {
        message: hook ? 'is a Helm hook pod: run once, not kept running' : 'is created directly: no controller recreates it when its node goes away or it is evicted',
        path: ['metadata'],
        ...(hook ? { severity: 'info' as const } : {}),
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'a pod owned by a ReplicaSet; a helm test pod',
        yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-x7k2p
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: "1"}]
spec: {containers: [{name: app, image: "web:1.2"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-test
  annotations: {helm.sh/hook: test}
spec:
  restartPolicy: Never
  containers: [{name: curl, image: "curlimages/curl:8.10.1", command: [curl, "http://web"]}]
`,
      },
    ],
    invalid: [
      {
        name: 'a bare pod (low) and a pre-install hook pod (info)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec: {containers: [{name: sh, image: "busybox:1.36"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-migrate
  annotations: {helm.sh/hook: pre-install}
spec:
  restartPolicy: Never
  containers: [{name: migrate, image: "migrate:4.17.1"}]
`,
        violations: 2,
        severities: ['low', 'info'],
      },
    ],
  },
});

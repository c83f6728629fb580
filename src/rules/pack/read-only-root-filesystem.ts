import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload, firstByName, hardening } from './helpers.js';

export const readOnlyRootFilesystem: Rule = hardening({
  meta: {
    id: 'read-only-root-filesystem',
    title: 'Container can write to its image filesystem',
    severity: 'low',
    stage: 'fortify',
    description:
      'Without `readOnlyRootFilesystem: true` a compromised process can drop tools and binaries into the container and change what the image runs. Ephemeral (debug) containers are not checked. One finding per pod, naming the containers. Not part of the Pod Security Standards.',
    remediation: 'Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the process must write (`/tmp`, caches).',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_22' },
      { tool: 'trivy', id: 'KSV-0014' },
      { tool: 'kubescape', id: 'C-0017' },
      { tool: 'kube-linter', id: 'no-read-only-root-fs' },
      { tool: 'polaris', id: 'notReadOnlyRootFilesystem' },
      { tool: 'kube-score', id: 'container-security-context-readonlyrootfilesystem' },
      { tool: 'kubesec', id: 'ReadOnlyRootFilesystem' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const writable = containersOf(object).filter((ref) => ref.kind !== 'ephemeralContainer' && ref.container.securityContext?.readOnlyRootFilesystem !== true);
    if (!writable.length) return [];
    const first = firstByName(writable, (ref) => ref.container.name);
    return [
      {
        message: `${writable.map(describeContainer).join(', ')} can write to ${writable.length === 1 ? 'its' : 'their'} image filesystem (readOnlyRootFilesystem is not true)`,
        path: first.container.securityContext ? [...first.path, 'securityContext'] : first.path,
        evidence: { containers: writable.map((ref) => ref.container.name) },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'read-only with an emptyDir for /tmp',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:1.2", securityContext: {readOnlyRootFilesystem: true}, volumeMounts: [{name: tmp, mountPath: /tmp}]}
  volumes: [{name: tmp, emptyDir: {}}]
`,
      },
    ],
    invalid: [
      {
        name: 'unset on a container and false on an init container: one finding',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers: [{name: setup, image: "busybox:1.36", securityContext: {readOnlyRootFilesystem: false}}]
  containers: [{name: app, image: "web:1.2"}]
`,
        violations: 1,
      },
    ],
  },
});

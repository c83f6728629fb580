import { describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference } from './helpers.js';
import { hostPathVolumesOf, mountsPhrase, runtimeSocketAt } from './host-paths.js';

export const hostPathVolume: Rule = {
  meta: {
    id: 'host-path-volume',
    title: 'Pod mounts a directory of the node (hostPath)',
    severity: 'medium',
    stage: 'fortify',
    description:
      'A `hostPath` volume gives the pod a piece of the node\'s filesystem: written, it changes the node (its binaries, the kubelet\'s files, other pods\' volumes); read, it exposes the node\'s credentials and every pod\'s data. Severity is `medium` when a container mounts it read-write, `low` when every mount is read-only. Container runtime sockets are reported by `container-runtime-socket` instead (one finding per volume).',
    remediation: 'Use an `emptyDir`, a ConfigMap or a PersistentVolumeClaim; when a node agent needs the node\'s files, mount exactly the path it reads, with `readOnly: true`.',
    references: [
      podSecurityReference('hostPathVolumes'),
      { tool: 'trivy', id: 'KSV-0023' },
      { tool: 'trivy', id: 'KSV-0121' },
      { tool: 'kubescape', id: 'C-0048' },
      { tool: 'kubescape', id: 'C-0045' },
      { tool: 'kube-linter', id: 'sensitive-host-mounts' },
      { tool: 'kube-linter', id: 'writable-host-mount' },
      { tool: 'polaris', id: 'hostPathSet' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return hostPathVolumesOf(object)
      .filter((volume) => !runtimeSocketAt(volume.hostPath))
      .map((volume) => {
        const writable = volume.mounts.some((mount) => !mount.readOnly);
        return {
          message: `volume "${volume.name}" is the node's ${volume.hostPath}, ${mountsPhrase(volume, describeContainer)} (${breaksLevel('hostPathVolumes')})`,
          path: volume.path,
          severity: writable ? 'medium' : 'low',
          evidence: { volume: volume.name, hostPath: volume.hostPath, writable, ...podSecurityEvidence('hostPathVolumes') },
        };
      });
  },
  examples: {
    valid: [
      {
        name: 'emptyDir and projected volumes',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2", volumeMounts: [{name: cache, mountPath: /cache}]}]
  volumes:
  - {name: cache, emptyDir: {}}
  - {name: token, projected: {sources: [{serviceAccountToken: {path: token}}]}}
`,
      },
    ],
    invalid: [
      {
        name: 'a log shipper reading /var/log (read-only) and writing its position file to the node',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: shipper, namespace: logging}
spec:
  selector: {matchLabels: {app: shipper}}
  template:
    metadata: {labels: {app: shipper}}
    spec:
      containers:
      - name: shipper
        image: "fluent/fluent-bit:3.1.9"
        volumeMounts:
        - {name: logs, mountPath: /var/log, readOnly: true}
        - {name: state, mountPath: /state}
      volumes:
      - {name: logs, hostPath: {path: /var/log}}
      - {name: state, hostPath: {path: /var/lib/shipper, type: DirectoryOrCreate}}
`,
        violations: 2,
        severities: ['low', 'medium'],
      },
    ],
  },
};

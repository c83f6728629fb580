import { describeContainer, hostNamespacesOf, podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload } from './helpers.js';
import { hostPathVolumesOf, mountsPhrase } from './host-paths.js';

const NAMESPACES = { hostPID: 'PID', hostNetwork: 'network', hostIPC: 'IPC' } as const;

export const nodeRootAccess: Rule = {
  meta: {
    id: 'node-root-access',
    title: 'Pod shares a host namespace and mounts the node\'s root filesystem',
    severity: 'high',
    stage: 'fortify',
    description:
      'A pod in the node\'s PID, network or IPC namespace that also mounts the node\'s `/` is one `chroot` away from being the node: with the host\'s filesystem it reads the kubelet\'s credentials and every pod\'s tokens, and with the host\'s processes or network it reaches them live. Monitoring exporters (prometheus-node-exporter) ask for exactly this; that is a reason to record with a suppression, not a reason to lower the severity. Each half is also reported on its own (`host-namespaces`, `host-path-volume`).',
    remediation: 'Mount only the node paths the agent reads (`/proc`, `/sys`), read-only, instead of `/`; or record why with `kubeward.io/ignore: "node-root-access; <reason>"`.',
    references: [{ tool: 'kubernetes-docs', id: 'hostPath', url: 'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const shared = hostNamespacesOf(podTemplateOf(object)?.spec);
    if (!shared.length) return [];
    return hostPathVolumesOf(object)
      .filter((volume) => volume.hostPath === '/')
      .map((volume) => ({
        message: `shares the node's ${shared.map((field) => NAMESPACES[field]).join(' and ')} namespace${shared.length === 1 ? '' : 's'} and mounts the node's / (volume "${volume.name}", ${mountsPhrase(volume, describeContainer)}): the node is one chroot away`,
        path: volume.path,
        evidence: { hostNamespaces: shared, volume: volume.name, hostPath: '/' },
      }));
  },
  examples: {
    valid: [
      {
        name: 'a node exporter that mounts /proc and /sys, not /',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostPID: true
      hostNetwork: true
      containers:
      - name: exporter
        image: "quay.io/prometheus/node-exporter:v1.8.2"
        volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}, {name: sys, mountPath: /host/sys, readOnly: true}]
      volumes: [{name: proc, hostPath: {path: /proc}}, {name: sys, hostPath: {path: /sys}}]
`,
      },
      {
        name: 'the node\'s / without host namespaces (host-path-volume reports it)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: scanner}
spec:
  containers: [{name: scan, image: "scanner:1.0", volumeMounts: [{name: root, mountPath: /host, readOnly: true}]}]
  volumes: [{name: root, hostPath: {path: /}}]
`,
      },
    ],
    invalid: [
      {
        name: 'prometheus-node-exporter\'s shape: hostPID, hostNetwork and / read-only',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostPID: true
      hostNetwork: true
      containers:
      - name: exporter
        image: "quay.io/prometheus/node-exporter:v1.8.2"
        args: [--path.rootfs=/host/root]
        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true, mountPropagation: HostToContainer}]
      volumes: [{name: root, hostPath: {path: /}}]
`,
        violations: 1,
      },
    ],
  },
};

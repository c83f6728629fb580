import { describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference } from './helpers.js';
import { hostPathVolumesOf, mountsPhrase, runtimeSocketAt } from './host-paths.js';

export const containerRuntimeSocket: Rule = {
  meta: {
    id: 'container-runtime-socket',
    title: 'Pod mounts the container runtime socket',
    severity: 'high',
    stage: 'fortify',
    description:
      'The Docker, containerd or CRI-O socket (or a directory holding it, such as `/var/run`) is the runtime\'s API: whoever connects starts a privileged container with the node\'s filesystem, and sees every container\'s environment. `readOnly` does not help: connecting to a socket is not a write.',
    remediation: 'Do not mount the runtime socket; build images with a rootless builder, and read container metadata through the Kubernetes API.',
    references: [
      podSecurityReference('hostPathVolumes'),
      { tool: 'checkov', id: 'CKV_K8S_27' },
      { tool: 'trivy', id: 'KSV-0006' },
      { tool: 'kubescape', id: 'C-0074' },
      { tool: 'kube-linter', id: 'docker-sock' },
      { tool: 'kubesec', id: 'DockerSock' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return hostPathVolumesOf(object).flatMap((volume) => {
      const socket = runtimeSocketAt(volume.hostPath);
      if (!socket) return [];
      const holds = socket === volume.hostPath ? '' : ` (which holds ${socket})`;
      return [
        {
          message: `volume "${volume.name}" is the node's ${volume.hostPath}${holds}, ${mountsPhrase(volume, describeContainer)}: the runtime's API, root on the node (${breaksLevel('hostPathVolumes')})`,
          path: volume.path,
          evidence: { volume: volume.name, hostPath: volume.hostPath, socket, ...podSecurityEvidence('hostPathVolumes') },
        },
      ];
    });
  },
  examples: {
    valid: [
      {
        name: 'other host paths are host-path-volume\'s',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  containers: [{name: agent, image: "agent:2.1", volumeMounts: [{name: logs, mountPath: /logs, readOnly: true}]}]
  volumes: [{name: logs, hostPath: {path: /var/log/containers}}]
`,
      },
    ],
    invalid: [
      {
        name: 'the Docker socket read-only, and /run (containerd\'s) in a CI runner',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ci-runner, namespace: ci}
spec:
  selector: {matchLabels: {app: ci-runner}}
  template:
    metadata: {labels: {app: ci-runner}}
    spec:
      containers:
      - name: runner
        image: "ci/runner:16.4"
        volumeMounts:
        - {name: docker, mountPath: /var/run/docker.sock, readOnly: true}
        - {name: run, mountPath: /host/run}
      volumes:
      - {name: docker, hostPath: {path: /var/run/docker.sock, type: Socket}}
      - {name: run, hostPath: {path: /run/}}
`,
        violations: 2,
      },
    ],
  },
};

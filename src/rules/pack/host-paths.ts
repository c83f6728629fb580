import { isRecord, type KubeObject } from '../../core/object.js';
import type { PathSegment } from '../../core/provenance.js';
import { normalizePath } from '../../core/tokens.js';
import { containersOf, podTemplateOf, type ContainerRef } from '../../core/workload.js';

/** A hostPath volume of a workload and who mounts it, shared by the host-path rules. */
export interface HostPathVolume {
  name: string;
  /** The node path, normalized (`//var/run/` → `/var/run`). */
  hostPath: string;
  /** Path from the object's root to `volumes[i].hostPath`. */
  path: PathSegment[];
  mounts: { ref: ContainerRef; mountPath: string; readOnly: boolean }[];
}

/** Every hostPath volume of the workload, with the containers mounting it (read-only or not). */
export function hostPathVolumesOf(object: KubeObject): HostPathVolume[] {
  const template = podTemplateOf(object);
  if (!template || !Array.isArray(template.spec.volumes)) return [];
  const volumes: HostPathVolume[] = [];
  template.spec.volumes.forEach((volume, index) => {
    if (!isRecord(volume) || !isRecord(volume.hostPath) || typeof volume.hostPath.path !== 'string') return;
    volumes.push({ name: String(volume.name ?? ''), hostPath: normalizePath(volume.hostPath.path), path: [...template.specPath, 'volumes', index, 'hostPath'], mounts: [] });
  });
  if (!volumes.length) return volumes;
  for (const ref of containersOf(object)) {
    for (const mount of Array.isArray(ref.container.volumeMounts) ? ref.container.volumeMounts : []) {
      if (!isRecord(mount)) continue;
      const volume = volumes.find((candidate) => candidate.name === mount.name);
      if (volume) volume.mounts.push({ ref, mountPath: String(mount.mountPath ?? ''), readOnly: mount.readOnly === true });
    }
  }
  return volumes;
}

/**
 * Container runtime API sockets, and the directories that hold them: whoever reaches one starts
 * privileged containers on the node. A read-only mount does not help: connecting to a socket is
 * not a write to the filesystem.
 */
const RUNTIME_SOCKETS: readonly string[] = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/dockershim.sock',
  '/var/run/cri-dockerd.sock',
  '/run/cri-dockerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/run/k3s/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
  '/run/podman/podman.sock',
];

/** The runtime socket a node path is or contains (`/run/containerd` holds containerd's), excluding the node's root. */
export function runtimeSocketAt(hostPath: string): string | undefined {
  if (hostPath === '/') return undefined;
  return RUNTIME_SOCKETS.find((socket) => socket === hostPath || socket.startsWith(`${hostPath}/`));
}

/** How the volume is mounted, for messages: `read-write in container "a"`, `read-only in …`, `mounted by no container`. */
export function mountsPhrase(volume: HostPathVolume, label: (ref: ContainerRef) => string): string {
  if (!volume.mounts.length) return 'mounted by no container';
  return volume.mounts.map((mount) => `${mount.readOnly ? 'read-only' : 'read-write'} in ${label(mount.ref)} at ${mount.mountPath}`).join(', ');
}

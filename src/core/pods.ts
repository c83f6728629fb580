import { isRecord, type KubeObject } from './object.js';
import { controllerOf, serviceAccountOf, type PodSpec } from './workload.js';

/**
 * Workload attribution: which pod an IP belongs to, which workload runs the pod, which pods run as a
 * ServiceAccount. Detection names the pod behind a DNS query or a network flow with it; NetworkPolicy
 * generation from observed flows groups flows by the same workloads.
 */

export interface PodInfo {
  namespace: string;
  name: string;
  serviceAccount: string;
  /** `Deployment/web`, `DaemonSet/agent`, `Pod/debug`: what a human would call the workload. */
  workload: string;
  /** The pod's labels (what NetworkPolicy selectors see). */
  labels?: Readonly<Record<string, string>>;
  /** The node it runs on, when scheduled. */
  node?: string;
}

/** The workload a pod belongs to: its controller, with a ReplicaSet of a Deployment read as the Deployment. */
export function workloadOf(pod: KubeObject): string {
  const owner = controllerOf(pod);
  if (!owner || !owner.kind) return `Pod/${pod.metadata.name ?? ''}`;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  // A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`.
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return `Deployment/${owner.name.slice(0, -hash.length - 1)}`;
  // A CronJob names its Jobs `<cronjob>-<scheduled time in minutes>`.
  if (owner.kind === 'Job' && /-\d{8,}$/.test(owner.name)) return `CronJob/${owner.name.replace(/-\d{8,}$/, '')}`;
  return `${owner.kind}/${owner.name}`;
}

/**
 * Pods indexed by IP and by ServiceAccount. Host-network pods share their node's IP and are left out
 * of the IP index (an IP of theirs names no pod); they still run as their ServiceAccount. When an IP
 * was reused, the running pod wins over a finished one.
 */
export class PodIndex {
  private readonly byIp = new Map<string, { pod: PodInfo; running: boolean }>();
  private readonly byServiceAccount = new Map<string, PodInfo[]>();
  private readonly byName = new Map<string, PodInfo>();
  /** Every namespace a pod runs in. */
  readonly namespaces = new Set<string>();

  constructor(pods: readonly KubeObject[] = []) {
    for (const pod of pods) {
      if (pod.kind !== 'Pod') continue;
      const spec = (isRecord(pod.spec) ? pod.spec : {}) as PodSpec;
      const status = isRecord(pod.status) ? pod.status : {};
      const labels = pod.metadata.labels;
      const info: PodInfo = {
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        serviceAccount: serviceAccountOf(spec),
        workload: workloadOf(pod),
        ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
        ...(typeof spec.nodeName === 'string' ? { node: spec.nodeName } : {}),
      };
      this.namespaces.add(info.namespace);
      this.byName.set(`${info.namespace}/${info.name}`, info);
      const key = `${info.namespace}/${info.serviceAccount}`;
      this.byServiceAccount.set(key, [...(this.byServiceAccount.get(key) ?? []), info]);
      if (spec.hostNetwork === true) continue;
      const ips = new Set<string>();
      if (typeof status.podIP === 'string') ips.add(status.podIP);
      if (Array.isArray(status.podIPs)) for (const entry of status.podIPs) if (isRecord(entry) && typeof entry.ip === 'string') ips.add(entry.ip);
      const running = status.phase === 'Running';
      for (const ip of ips) {
        const existing = this.byIp.get(ip);
        if (!existing || (running && !existing.running)) this.byIp.set(ip, { pod: info, running });
      }
    }
  }

  /** The pod with this IP. */
  get(ip: string): PodInfo | undefined {
    return this.byIp.get(ip)?.pod;
  }

  /** The pod of this name. */
  named(namespace: string, name: string): PodInfo | undefined {
    return this.byName.get(`${namespace}/${name}`);
  }

  /** The pods that run as a ServiceAccount. */
  runningAs(namespace: string, serviceAccount: string): readonly PodInfo[] {
    return this.byServiceAccount.get(`${namespace}/${serviceAccount}`) ?? [];
  }

  /** How many pod IPs are known. */
  get size(): number {
    return this.byIp.size;
  }
}

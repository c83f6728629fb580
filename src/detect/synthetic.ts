/**
 * A synthetic cluster's ordinary life, as its logs show it: Metadata-level audit events with the
 * usual mix (kubelets reading their pods' Secrets, the scheduler renewing its lease, token requests,
 * controllers listing and updating, a human listing pods, a rare ServiceAccount reading a Secret of
 * another namespace) and CoreDNS query lines (Service lookups, and outside names tried through the
 * search path under `ndots:5`). Seeded, so every run yields the same lines.
 *
 * Shared by the benchmarks (`bench/audit-log.mjs`: the detection and least-privilege benches) and by
 * `kubeward drill`, which hides an attack in this traffic.
 */

export interface SyntheticAuditOptions {
  /** Time of event 0, ms since the epoch (default 2026-03-01T10:00:00Z). */
  start?: number;
  /** Events per second of cluster time (default 10,000). */
  eventsPerSecond?: number;
  /** The namespaces requests go to (default team-0 … team-39). */
  namespaces?: readonly string[];
  /** Seed of the generator (default 7). */
  seed?: number;
}

export const SYNTHETIC_START = Date.parse('2026-03-01T10:00:00Z');
const DEFAULT_NAMESPACES = Array.from({ length: 40 }, (_, i) => `team-${i}`);

/** A linear congruential generator: [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** RFC 3339 with microseconds, as the API server writes audit timestamps. */
export function auditTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

type User = { username: string; groups: string[] };

/**
 * `line(i)`: line i of the cluster's audit log (~700 bytes, JSON). Lines must be asked for in order
 * (0, 1, 2, …): the random sequence is shared between calls.
 */
export function syntheticAuditLog(options: SyntheticAuditOptions = {}): (i: number) => string {
  const start = options.start ?? SYNTHETIC_START;
  const perSecond = options.eventsPerSecond ?? 10_000;
  const namespaces = options.namespaces ?? DEFAULT_NAMESPACES;
  const random = seededRandom(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  return (i) => {
    const time = start + Math.floor((i * 1000) / perSecond);
    const ns = pick(namespaces);
    const r = random();
    let user: User, verb: string, resource: string, name: string | undefined, subresource: string | undefined, group: string | undefined;
    if (r < 0.3) [user, verb, resource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, pick(['get', 'watch']), 'secrets', `app-${i % 9}`];
    else if (r < 0.45) [user, verb, resource, name, group] = [{ username: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'update', 'leases', 'kube-scheduler', 'coordination.k8s.io'];
    else if (r < 0.6) [user, verb, resource, subresource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, 'create', 'serviceaccounts', 'token', 'default'];
    else if (r < 0.75) [user, verb, resource] = [{ username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'list', pick(['secrets', 'configmaps', 'pods'])];
    else if (r < 0.9) [user, verb, resource, name, group] = [{ username: 'system:serviceaccount:kube-system:endpointslice-controller', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'update', 'endpointslices', 'svc', 'discovery.k8s.io'];
    else if (r < 0.999) [user, verb, resource, name] = [{ username: 'alice@example.com', groups: ['system:authenticated'] }, pick(['get', 'list']), 'pods', undefined];
    else [user, verb, resource, name] = [{ username: `system:serviceaccount:tracing:agent-${i % 3}`, groups: ['system:serviceaccounts'] }, 'get', 'secrets', 'db'];
    return JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      stage: 'ResponseComplete',
      requestURI: `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ''}`,
      verb,
      user,
      sourceIPs: ['10.0.0.10'],
      userAgent: 'kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/abcdef0',
      objectRef: { resource, namespace: ns, name, subresource, apiGroup: group, apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
      requestReceivedTimestamp: auditTimestamp(time - 2),
      stageTimestamp: auditTimestamp(time),
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:node" of ClusterRole "system:node"' },
    });
  };
}

/** A pod whose DNS queries the synthetic log carries. */
export interface SyntheticPod {
  namespace: string;
  name: string;
  ip: string;
}

export interface SyntheticDnsOptions {
  start?: number;
  /** Lookups per second (each is one line, or four through the search path). */
  lookupsPerSecond?: number;
  pods: readonly SyntheticPod[];
  /** Outside names the pods look up (default: registries, cloud APIs, SaaS endpoints). */
  outsideNames?: readonly string[];
  clusterDomain?: string;
  seed?: number;
}

const OUTSIDE_NAMES = ['api.github.com', 'registry-1.docker.io', 's3.us-east-1.amazonaws.com', 'sts.amazonaws.com', 'www.google.com', 'hooks.slack.com', 'o123.ingest.sentry.io'];

/**
 * One CoreDNS `log` plugin line, prefixed with the time as `kubectl logs --timestamps` writes it:
 * `2026-03-01T10:00:00.000Z [INFO] 10.244.1.7:52311 - 4242 "A IN name. udp 60 false 512" NOERROR qr,rd,ra 120 0.000412s`.
 */
export function coreDnsLine(time: number, clientIp: string, name: string, type: string, rcode: string): string {
  return `${new Date(time).toISOString()} [INFO] ${clientIp}:${40000 + (time % 20000)} - ${time % 65536} "${type} IN ${name}. udp ${40 + name.length} false 512" ${rcode} qr,rd,ra ${rcode === 'NOERROR' ? 120 : 60 + name.length} 0.000412s`;
}

/**
 * What a pod's resolver sends for a name with fewer than five dots (`ndots:5`): the name under each
 * search domain first (`…<ns>.svc.cluster.local`, `…svc.cluster.local`, `…cluster.local`, each
 * NXDOMAIN), then the name itself, a millisecond apart.
 */
export function resolverLookup(time: number, clientIp: string, namespace: string, name: string, options: { type?: string; rcode?: string; clusterDomain?: string } = {}): string[] {
  const domain = options.clusterDomain ?? 'cluster.local';
  const type = options.type ?? 'A';
  const lines = name.split('.').length - 1 >= 5 ? [] : [`${namespace}.svc.${domain}`, `svc.${domain}`, domain].map((suffix, i) => coreDnsLine(time + i, clientIp, `${name}.${suffix}`, type, 'NXDOMAIN'));
  lines.push(coreDnsLine(time + lines.length, clientIp, name, type, options.rcode ?? 'NOERROR'));
  return lines;
}

/**
 * The CoreDNS log of ordinary traffic from `pods` between `from` and `to` (ms since the epoch): half
 * the lookups are Services of the pod's namespace, half outside names through the search path.
 */
export function syntheticDnsLog(from: number, to: number, options: SyntheticDnsOptions): string[] {
  const random = seededRandom(options.seed ?? 2);
  const names = options.outsideNames ?? OUTSIDE_NAMES;
  const domain = options.clusterDomain ?? 'cluster.local';
  const count = Math.max(0, Math.floor(((to - from) / 1000) * (options.lookupsPerSecond ?? 5)));
  const out: string[] = [];
  if (options.pods.length === 0) return out;
  for (let i = 0; i < count; i++) {
    const time = from + Math.floor((i / count) * (to - from));
    const pod = options.pods[Math.floor(random() * options.pods.length)];
    if (random() < 0.5) out.push(coreDnsLine(time, pod.ip, `db.${pod.namespace}.svc.${domain}`, 'A', 'NOERROR'));
    else out.push(...resolverLookup(time, pod.ip, pod.namespace, names[Math.floor(random() * names.length)], { type: random() < 0.5 ? 'A' : 'AAAA', clusterDomain: domain }));
  }
  return out;
}

/**
 * A generated cluster day, for the scenario test: benign controller, kubelet, operator and human
 * traffic (thousands of audit events, DNS with search-path expansions), and optionally the trojan
 * chart: installed by a human, its ServiceAccount sweeping Secrets across namespaces, then its pod
 * leaking them over DNS in chunks. Deterministic (seeded), so failures reproduce.
 */

export const T0 = Date.parse('2026-03-01T10:00:00Z');
export const NAMESPACES = Array.from({ length: 30 }, (_, i) => (i === 0 ? 'default' : i === 1 ? 'kube-system' : `team-${i}`));
export const ATTACK = { namespace: 'tracing', serviceAccount: 'fast-trace-agent', pod: 'fast-trace-agent-7d4b9c-x2x9z', podIp: '10.244.3.17', installAt: T0 + 5 * 60_000, sweepAt: T0 + 5 * 60_000 + 45_000, exfilAt: T0 + 6 * 60_000 + 5_000 };

export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

interface Req {
  id: string;
  time: number;
  user: { username: string; groups: string[]; extra?: Record<string, string[]> };
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  apiGroup?: string;
  code?: number;
  requestObject?: unknown;
  responseObject?: unknown;
  uri?: string;
  stages?: string[];
}

export function auditEvent(req: Req, stage = 'ResponseComplete'): Record<string, unknown> {
  const path = `${req.apiGroup ? `/apis/${req.apiGroup}/v1` : '/api/v1'}${req.namespace ? `/namespaces/${req.namespace}` : ''}/${req.resource}${req.name ? `/${req.name}` : ''}${req.subresource ? `/${req.subresource}` : ''}`;
  const code = req.code ?? 200;
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: req.requestObject || req.responseObject ? 'RequestResponse' : 'Metadata',
    auditID: req.id,
    stage,
    requestURI: req.uri ?? path,
    verb: req.verb,
    user: req.user,
    sourceIPs: ['10.0.0.10'],
    userAgent: 'kubeward-scenario',
    objectRef: { resource: req.resource, namespace: req.namespace, name: req.name, subresource: req.subresource, apiGroup: req.apiGroup, apiVersion: 'v1' },
    requestReceivedTimestamp: iso(req.time - 3),
    stageTimestamp: iso(req.time),
    annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': '' },
  };
  if (stage !== 'RequestReceived') event.responseStatus = { metadata: {}, code };
  if (req.requestObject) event.requestObject = req.requestObject;
  if (req.responseObject && stage !== 'RequestReceived') event.responseObject = req.responseObject;
  return event;
}

const controller = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
const node = (n: number) => ({ username: `system:node:node-${n}`, groups: ['system:nodes', 'system:authenticated'] });
const KCM = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const SCHEDULER = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
const CERT_MANAGER = { username: 'system:serviceaccount:cert-manager:cert-manager', groups: ['system:serviceaccounts', 'system:authenticated'] };
const ALICE = { username: 'alice@example.com', groups: ['platform-admins', 'system:authenticated'] };

/** Ten minutes of ordinary cluster life: about `count` audit events. */
export function benignAudit(count: number, seed = 1): Record<string, unknown>[] {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor((i / count) * 10 * 60_000);
    const id = `benign-${i}`;
    const ns = pick(NAMESPACES);
    const kind = random();
    let req: Req;
    if (kind < 0.25) req = { id, time, user: node(1 + Math.floor(random() * 20)), verb: pick(['get', 'list', 'watch']), resource: 'secrets', namespace: ns, name: `app-token-${i % 7}` };
    else if (kind < 0.35) req = { id, time, user: controller(pick(['namespace-controller', 'generic-garbage-collector', 'resourcequota-controller'])), verb: 'list', resource: 'secrets', namespace: random() < 0.5 ? undefined : ns };
    else if (kind < 0.42) req = { id, time, user: KCM, verb: pick(['get', 'list']), resource: 'secrets', namespace: ns };
    else if (kind < 0.48) req = { id, time, user: CERT_MANAGER, verb: pick(['get', 'update', 'watch']), resource: 'secrets', namespace: ns, name: 'tls-cert' };
    else if (kind < 0.6) req = { id, time, user: SCHEDULER, verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-scheduler' };
    else if (kind < 0.7) req = { id, time, user: node(1 + Math.floor(random() * 20)), verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: 'default', code: 201 };
    else if (kind < 0.8) req = { id, time, user: node(1 + Math.floor(random() * 20)), verb: 'patch', resource: 'nodes', subresource: 'status', name: `node-${1 + (i % 20)}` };
    else if (kind < 0.9) req = { id, time, user: controller('endpointslice-controller'), verb: 'update', resource: 'endpointslices', apiGroup: 'discovery.k8s.io', namespace: ns, name: 'svc-x' };
    else if (kind < 0.97) req = { id, time, user: controller('replicaset-controller'), verb: 'get', resource: 'configmaps', namespace: ns, name: 'kube-root-ca.crt' };
    else req = { id, time, user: ALICE, verb: pick(['get', 'list']), resource: 'pods', namespace: pick(['team-2', 'team-3']) };
    // some requests are logged at two stages: the detector must count them once
    if (i % 10 === 0) out.push(auditEvent(req, 'RequestReceived'));
    // long-running requests (watch) have a ResponseStarted stage before ResponseComplete
    if (req.verb === 'watch') out.push(auditEvent(req, 'ResponseStarted'));
    out.push(auditEvent(req));
  }
  // kube-proxy DaemonSet pod: privileged and hostNetwork, but an allow-listed image
  out.push(
    auditEvent({
      id: 'benign-kube-proxy',
      time: T0 + 30_000,
      user: controller('daemon-set-controller'),
      verb: 'create',
      resource: 'pods',
      namespace: 'kube-system',
      code: 201,
      requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { generateName: 'kube-proxy-' }, spec: { hostNetwork: true, containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.31.0', securityContext: { privileged: true } }], volumes: [{ name: 'lib-modules', hostPath: { path: '/lib/modules' } }] } },
      responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'kube-proxy-abcde' } },
    }),
  );
  return out;
}

const SWEEPER = {
  username: `system:serviceaccount:${ATTACK.namespace}:${ATTACK.serviceAccount}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ATTACK.namespace}`, 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/pod-name': [ATTACK.pod], 'authentication.kubernetes.io/pod-uid': ['7d4b9c00-0000-4000-8000-000000000001'] },
};

/** The attacker's collector: a domain under a TLD that is not on the public suffix list. */
export const EXFIL_DOMAIN = 'trace-sync.corp';

/**
 * The chart install, the Secret sweep (500 gets across 30 namespaces in 5 seconds) and the
 * sidecar's privilege probing: forbidden attempts to bind cluster-admin, read the cluster-admin role
 * and mint a kube-system token (403 events carry no body).
 */
export function attackAudit(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const at = ATTACK.installAt;
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'fast-trace-agent' }, rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list'] }] };
  out.push(auditEvent({ id: 'attack-sa', time: at, user: ALICE, verb: 'create', resource: 'serviceaccounts', namespace: ATTACK.namespace, name: ATTACK.serviceAccount, code: 201 }));
  out.push(auditEvent({ id: 'attack-role', time: at + 100, user: ALICE, verb: 'create', resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', name: 'fast-trace-agent', code: 201, requestObject: role, responseObject: role }));
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'fast-trace-agent' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'fast-trace-agent' }, subjects: [{ kind: 'ServiceAccount', name: ATTACK.serviceAccount, namespace: ATTACK.namespace }] };
  out.push(auditEvent({ id: 'attack-binding', time: at + 200, user: ALICE, verb: 'create', resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'fast-trace-agent', code: 201, requestObject: binding, responseObject: binding }));
  for (let i = 0; i < 500; i++) {
    const ns = NAMESPACES[i % NAMESPACES.length];
    const req: Req = { id: `attack-get-${i}`, time: ATTACK.sweepAt + i * 10, user: SWEEPER, verb: 'get', resource: 'secrets', namespace: ns, name: `secret-${i % 17}`, code: 200 };
    // the API server logs the Secret with its data at RequestResponse level: nothing may print it
    if (i === 0) req.responseObject = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'secret-0', namespace: ns }, data: { password: 'aHVudGVyMg==' } };
    out.push(auditEvent(req));
  }
  const probe = ATTACK.sweepAt + 10_000;
  out.push(auditEvent({ id: 'attack-probe-binding', time: probe, user: SWEEPER, verb: 'create', resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', code: 403 }));
  out.push(auditEvent({ id: 'attack-probe-role', time: probe + 2_000, user: SWEEPER, verb: 'get', resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', name: 'cluster-admin', code: 403 }));
  out.push(auditEvent({ id: 'attack-probe-token', time: probe + 4_000, user: SWEEPER, verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system', name: 'clusterrole-aggregation-controller', subresource: 'token', code: 403 }));
  return out;
}

/** Pods for --pods: the attacker's pod and a few ordinary ones. */
export function podList(): Record<string, unknown> {
  const pod = (namespace: string, name: string, ip: string, serviceAccount: string, rs?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels: rs ? { 'pod-template-hash': rs.split('-').pop() } : {}, ownerReferences: rs ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true }] : [] },
    spec: { serviceAccountName: serviceAccount, containers: [{ name: 'c', image: 'example/app:1' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  });
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      pod(ATTACK.namespace, ATTACK.pod, ATTACK.podIp, ATTACK.serviceAccount, 'fast-trace-agent-7d4b9c'),
      ...Array.from({ length: 20 }, (_, i) => pod(NAMESPACES[i + 2], `web-${i}-5f6d7c-abcde`, `10.244.1.${10 + i}`, 'default', `web-${i}-5f6d7c`)),
    ],
  };
}

const dnsTime = (ms: number) => new Date(ms).toISOString();

/** CoreDNS answers cluster names itself (`qr,aa,rd`) and relays the rest from upstream (`qr,rd,ra`). */
function dnsLine(time: number, ip: string, name: string, type: string, rcode: string): string {
  const flags = name.endsWith('.cluster.local') ? 'qr,aa,rd' : 'qr,rd,ra';
  return `${dnsTime(time)} [INFO] ${ip}:${40000 + (time % 20000)} - ${time % 65536} "${type} IN ${name}. udp 60 false 512" ${rcode} ${flags} 120 0.000412s`;
}

/** Resolver behaviour for a relative name under ndots:5: the search list first, then the name. */
function lookup(time: number, ip: string, namespace: string, name: string, type = 'A'): string[] {
  const lines = [`${namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'].map((suffix, i) => dnsLine(time + i, ip, `${name}.${suffix}`, type, 'NXDOMAIN'));
  lines.push(dnsLine(time + 3, ip, name, type, 'NOERROR'));
  return lines;
}

export function benignDns(count: number, seed = 2): string[] {
  const random = rng(seed);
  const out: string[] = ['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 1234', 'CoreDNS-1.11.1'];
  const names = ['api.github.com', 'registry-1.docker.io', 's3.us-east-1.amazonaws.com', 'sts.amazonaws.com', 'www.google.com', 'hooks.slack.com', 'o123.ingest.sentry.io'];
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor((i / count) * 10 * 60_000);
    const pod = Math.floor(random() * 20);
    const ip = `10.244.1.${10 + pod}`;
    const ns = NAMESPACES[pod + 2];
    if (random() < 0.5) out.push(dnsLine(time, ip, `db.${ns}.svc.cluster.local`, 'A', 'NOERROR'));
    else out.push(...lookup(time, ip, ns, names[Math.floor(random() * names.length)], random() < 0.5 ? 'A' : 'AAAA'));
  }
  return out;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The stolen Secrets, base32 in 40-character chunks under a per-session label. */
export function attackDns(chunks = 40, seed = 3): string[] {
  const random = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < chunks; i++) {
    const chunk = Array.from({ length: 40 }, () => BASE32[Math.floor(random() * 32)]).join('');
    out.push(...lookup(ATTACK.exfilAt + i * 500, ATTACK.podIp, ATTACK.namespace, `${i}-${chunk}.s7k2.${EXFIL_DOMAIN}`, 'A'));
  }
  return out;
}

/** Merges timestamped lines (DNS) or events (audit) by time. */
export function byTime<T>(items: T[], timeOf: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, time: timeOf(item) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.item);
}

export const eventTime = (event: Record<string, unknown>) => Date.parse(String(event.stageTimestamp));
export const lineTime = (line: string) => {
  const time = Date.parse(line.split(' ')[0]);
  return Number.isNaN(time) ? 0 : time;
};

/** A Hubble flow line (GetFlowsResponse) from a pod to an address. */
function flowLine(time: number, from: { namespace: string; pod: string; ip: string }, to: { ip: string; port: number; world?: boolean; names?: string[] }, options: { protocol?: 'TCP' | 'UDP'; verdict?: string; drop?: string } = {}): string {
  const protocol = options.protocol ?? 'TCP';
  const l4 = protocol === 'TCP' ? { TCP: { source_port: 40000 + (time % 20000), destination_port: to.port, flags: { SYN: true } } } : { UDP: { source_port: 40000 + (time % 20000), destination_port: to.port } };
  const flow = {
    time: new Date(time).toISOString(),
    verdict: options.verdict ?? 'FORWARDED',
    ...(options.drop ? { drop_reason_desc: options.drop } : {}),
    IP: { source: from.ip, destination: to.ip, ipVersion: 'IPv4' },
    l4,
    source: { namespace: from.namespace, pod_name: from.pod, labels: [`k8s:io.kubernetes.pod.namespace=${from.namespace}`] },
    destination: to.world ? { identity: 2, labels: ['reserved:world'] } : { labels: [] },
    ...(to.names ? { destination_names: to.names } : {}),
    Type: 'L3_L4',
    node_name: 'node-1',
    traffic_direction: 'EGRESS',
    is_reply: false,
  };
  return JSON.stringify({ flow, node_name: 'node-1', time: flow.time });
}

/** Ordinary egress: pods calling APIs on the internet, a connection a NetworkPolicy refuses. */
export function benignFlows(count: number, seed = 4): string[] {
  const random = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor((i / count) * 10 * 60_000);
    const n = Math.floor(random() * 20);
    const from = { namespace: NAMESPACES[n + 2], pod: `web-${n}-5f6d7c-abcde`, ip: `10.244.1.${10 + n}` };
    if (random() < 0.1) out.push(flowLine(time, from, { ip: '10.244.2.20', port: 5432 }, { verdict: 'DROPPED', drop: 'POLICY_DENIED' }));
    else out.push(flowLine(time, from, { ip: '140.82.112.3', port: 443, world: true, names: ['api.github.com'] }));
  }
  return out;
}

/** The sidecar's own traffic: DNS straight to a public resolver, and a connection to the collector. */
export function attackFlows(): string[] {
  const from = { namespace: ATTACK.namespace, pod: ATTACK.pod, ip: ATTACK.podIp };
  return [flowLine(ATTACK.exfilAt + 1000, from, { ip: '1.1.1.1', port: 53, world: true }, { protocol: 'UDP' }), flowLine(ATTACK.exfilAt + 2000, from, { ip: '203.0.113.50', port: 443, world: true, names: [`c2.${EXFIL_DOMAIN}`] })];
}

/** The flows' time, for merging. */
export const flowTime = (line: string) => Date.parse(JSON.parse(line).time as string);

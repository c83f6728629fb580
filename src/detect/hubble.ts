import { isRecord } from '../core/object.js';
import type { PodIndex, PodInfo } from '../core/pods.js';
import { NON_PUBLIC_CIDRS, parseAddress, setOfCidrs } from '../netpol/ip.js';

/**
 * Cilium Hubble flows, read from what `hubble observe -o json` prints and what the Hubble exporter
 * writes (`/var/run/cilium/hubble/events.log`): one JSON value per line, either a GetFlowsResponse
 * (`{"flow": {…}, "node_name": …, "time": …}`) or a bare Flow, with Hubble's field names (proto names:
 * `IP`, `l4`, `source_port`, `drop_reason_desc`, `is_reply`; the lowerCamel JSON names are read too).
 * Lines that are not flows (`node_status`, `lost_events`) are counted as other, garbage as malformed.
 *
 * The result is a protocol-neutral `Flow`, pure data: detection evaluates rules on it, and NetworkPolicy
 * generation from observed traffic groups it by the workloads `attributeFlow` finds.
 */

/** One end of a flow. */
export interface FlowEndpoint {
  ip?: string;
  port?: number;
  /** Cilium security identity (numeric): 1 host, 2 world, 6 remote-node, 7 kube-apiserver, … */
  identity?: number;
  /** Reserved identities of the endpoint, without the `reserved:` prefix: `world`, `host`, `kube-apiserver`, … */
  reserved: string[];
  namespace?: string;
  podName?: string;
  /** Labels as Hubble gives them, source-prefixed: `k8s:app=web`, `cidr:203.0.113.0/24`, `fqdn:*.example.com`. */
  labels: string[];
  /** The owning workload when Hubble reports it (Cilium 1.13+): `{kind: 'Deployment', name: 'web'}`. */
  workload?: { kind: string; name: string };
  /** The Kubernetes Service the address belongs to, `namespace/name`. */
  service?: string;
}

export type FlowDirection = 'ingress' | 'egress' | 'unknown';

export interface Flow {
  /** ms since the epoch. */
  time: number;
  /** RFC 3339, as Hubble wrote it. */
  timeText: string;
  uuid?: string;
  /** FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED. */
  verdict: string;
  /** Why it was dropped: `POLICY_DENIED`, `POLICY_DENY`, `AUTH_REQUIRED`, … (or the numeric code as text). */
  dropReason?: string;
  direction: FlowDirection;
  /** True for the answer of a connection; undefined when Hubble could not tell. */
  isReply?: boolean;
  ipVersion?: 4 | 6;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6';
  /** TCP flags set: `SYN`, `ACK`, `FIN`, `RST`, `PSH`, … */
  tcpFlags: string[];
  source: FlowEndpoint;
  destination: FlowEndpoint;
  /** DNS names Cilium knows for the addresses (from its FQDN cache). */
  sourceNames: string[];
  destinationNames: string[];
  node?: string;
  /** L3_L4, L7, SOCK. */
  type?: string;
  l7?: { type?: string; dnsQuery?: string; httpMethod?: string; httpUrl?: string; httpCode?: number };
  /** The policies that allowed or denied the flow, `kind/namespace/name` (Cilium 1.15+). */
  policies: { allowedBy: string[]; deniedBy: string[] };
}

export interface FlowParseStats {
  lines: number;
  flows: number;
  /** JSON that is not a flow (node status, lost-events notices). */
  other: number;
  /** Lines that are not JSON, or flows without a time. */
  malformed: number;
  /** Flows from an address no pod in --pods or --cluster has, with no pod named by Hubble either. */
  unattributed: number;
}

export function emptyFlowStats(): FlowParseStats {
  return { lines: 0, flows: 0, other: 0, malformed: 0, unattributed: 0 };
}

/** Drop reasons that mean "a network policy said no" (flow.proto DropReason). */
export const POLICY_DROP_REASONS: ReadonlySet<string> = new Set(['POLICY_DENIED', 'POLICY_DENY', 'AUTH_REQUIRED']);
const DROP_REASON_NAMES: Record<number, string> = { 133: 'POLICY_DENIED', 181: 'POLICY_DENY', 189: 'AUTH_REQUIRED' };
const VERDICTS = ['VERDICT_UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'];
const RESERVED_IDENTITIES: Record<number, string> = { 1: 'host', 2: 'world', 3: 'unmanaged', 4: 'health', 5: 'init', 6: 'remote-node', 7: 'kube-apiserver', 8: 'ingress', 9: 'world-ipv4', 10: 'world-ipv6' };

/** A key by its proto name, else its lowerCamel JSON name. */
function pick(value: Record<string, unknown>, name: string): unknown {
  if (name in value) return value[name];
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return value[camel];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const integer = (value: unknown): number | undefined => {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : undefined;
};
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function endpointOf(value: unknown, ip: string | undefined, port: number | undefined, service: unknown): FlowEndpoint {
  const endpoint = isRecord(value) ? value : {};
  const labels = strings(endpoint.labels);
  const identity = integer(endpoint.identity);
  const reserved = labels.filter((label) => label.startsWith('reserved:')).map((label) => label.slice('reserved:'.length));
  if (identity !== undefined && RESERVED_IDENTITIES[identity] && !reserved.includes(RESERVED_IDENTITIES[identity])) reserved.push(RESERVED_IDENTITIES[identity]);
  const workloads = Array.isArray(endpoint.workloads) ? endpoint.workloads : [];
  const first = workloads.find((w): w is Record<string, unknown> => isRecord(w) && typeof w.name === 'string' && typeof w.kind === 'string');
  const svc = isRecord(service) && typeof service.name === 'string' ? `${typeof service.namespace === 'string' && service.namespace ? `${service.namespace}/` : ''}${service.name}` : undefined;
  const out: FlowEndpoint = { reserved, labels };
  if (ip) out.ip = ip;
  if (port !== undefined) out.port = port;
  if (identity !== undefined) out.identity = identity;
  const namespace = text(endpoint.namespace);
  if (namespace) out.namespace = namespace;
  const podName = text(pick(endpoint, 'pod_name'));
  if (podName) out.podName = podName;
  if (first) out.workload = { kind: first.kind as string, name: first.name as string };
  if (svc) out.service = svc;
  return out;
}

function policyNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((policy) => [text(policy.kind) ?? 'Policy', text(policy.namespace), text(policy.name) ?? '?'].filter(Boolean).join('/'));
}

const DIRECTIONS: Record<string, FlowDirection> = { INGRESS: 'ingress', EGRESS: 'egress', '1': 'ingress', '2': 'egress' };

/** RFC 3339 with up to nanoseconds → ms, or NaN. */
function flowTime(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) return NaN;
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
}

/** A Flow from a JSON value (a GetFlowsResponse or a bare Flow), or why it is not one. */
export function flowOf(value: unknown): Flow | 'other' | 'malformed' {
  if (!isRecord(value)) return 'malformed';
  const flow = isRecord(value.flow) ? value.flow : 'verdict' in value || 'IP' in value || 'l4' in value ? value : undefined;
  if (!flow) return 'other';
  const timeText = text(flow.time) ?? text(value.time);
  const time = flowTime(timeText);
  if (Number.isNaN(time)) return 'malformed';
  const ip = isRecord(flow.IP) ? flow.IP : isRecord(flow.ip) ? flow.ip : {};
  const l4 = isRecord(flow.l4) ? flow.l4 : {};
  let protocol: Flow['protocol'];
  let ports: Record<string, unknown> = {};
  for (const name of ['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6'] as const) {
    const layer = l4[name] ?? l4[name.toLowerCase()];
    if (isRecord(layer)) {
      protocol = name;
      ports = layer;
      break;
    }
  }
  const flags = isRecord(ports.flags) ? Object.entries(ports.flags).filter(([, set]) => set === true).map(([flag]) => flag.toUpperCase()) : [];
  const verdictValue = flow.verdict;
  const verdict = typeof verdictValue === 'number' ? (VERDICTS[verdictValue] ?? String(verdictValue)) : (text(verdictValue) ?? 'VERDICT_UNKNOWN');
  const dropCode = integer(pick(flow, 'drop_reason'));
  const dropDesc = text(pick(flow, 'drop_reason_desc'));
  const dropReason = dropDesc ?? (dropCode ? (DROP_REASON_NAMES[dropCode] ?? String(dropCode)) : undefined);
  const replyValue = pick(flow, 'is_reply');
  const isReply = typeof replyValue === 'boolean' ? replyValue : isRecord(replyValue) && typeof replyValue.value === 'boolean' ? replyValue.value : undefined;
  const version = text(pick(ip, 'ipVersion')) ?? text(pick(ip, 'ip_version'));
  const l7Value = flow.l7;
  let l7: Flow['l7'];
  if (isRecord(l7Value)) {
    const dns = isRecord(l7Value.dns) ? l7Value.dns : undefined;
    const http = isRecord(l7Value.http) ? l7Value.http : undefined;
    l7 = { type: text(l7Value.type), dnsQuery: text(dns?.query)?.replace(/\.$/, ''), httpMethod: text(http?.method), httpUrl: text(http?.url), httpCode: integer(http?.code) };
  }
  return {
    time,
    timeText: timeText!,
    uuid: text(flow.uuid),
    verdict,
    dropReason,
    direction: DIRECTIONS[String(pick(flow, 'traffic_direction'))] ?? 'unknown',
    isReply,
    ipVersion: version === 'IPv4' ? 4 : version === 'IPv6' ? 6 : undefined,
    protocol,
    tcpFlags: flags,
    source: endpointOf(flow.source, text(ip.source), integer(pick(ports, 'source_port')), pick(flow, 'source_service')),
    destination: endpointOf(flow.destination, text(ip.destination), integer(pick(ports, 'destination_port')), pick(flow, 'destination_service')),
    sourceNames: strings(pick(flow, 'source_names')),
    destinationNames: strings(pick(flow, 'destination_names')).map((name) => name.replace(/\.$/, '')),
    node: text(pick(flow, 'node_name')) ?? text(pick(value, 'node_name')),
    type: text(flow.Type) ?? text(flow.type),
    l7,
    policies: { allowedBy: [...policyNames(pick(flow, 'egress_allowed_by')), ...policyNames(pick(flow, 'ingress_allowed_by'))], deniedBy: [...policyNames(pick(flow, 'egress_denied_by')), ...policyNames(pick(flow, 'ingress_denied_by'))] },
  };
}

/**
 * The flows on one line: a GetFlowsResponse, a bare Flow, or `{"flows": [...]}` (a list of either).
 * Never throws: what is not a flow is counted.
 */
export function parseFlowLine(line: string, stats: FlowParseStats): Flow[] {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  stats.lines++;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    stats.malformed++;
    return [];
  }
  const values = isRecord(value) && Array.isArray(value.flows) ? value.flows : [value];
  const out: Flow[] = [];
  for (const item of values) {
    const flow = flowOf(item);
    if (flow === 'other') stats.other++;
    else if (flow === 'malformed') stats.malformed++;
    else {
      stats.flows++;
      out.push(flow);
    }
  }
  return out;
}

const NON_PUBLIC = setOfCidrs(NON_PUBLIC_CIDRS);

/** An address on the public internet: not private, loopback, link-local, shared, multicast or reserved (netpol's list). */
export function isPublicAddress(ip: string): boolean {
  const address = parseAddress(ip);
  return address !== undefined && !NON_PUBLIC.contains(address);
}

/**
 * The internet, as Cilium sees it: the `world` identities (CIDR and FQDN identities carry
 * `reserved:world` too). A flow without identity information (an old exporter) falls back to the
 * address: public and not a pod's.
 */
export function isWorld(endpoint: FlowEndpoint): boolean {
  if (endpoint.reserved.some((id) => id === 'world' || id === 'world-ipv4' || id === 'world-ipv6')) return true;
  if (endpoint.identity !== undefined || endpoint.labels.length > 0 || endpoint.podName) return false;
  return endpoint.ip !== undefined && isPublicAddress(endpoint.ip);
}

/** The pods at both ends: named by Hubble (completed from the pod index), else found by IP. */
export function attributeFlow(flow: Flow, pods: PodIndex): { source?: PodInfo; destination?: PodInfo } {
  return { source: podAt(flow.source, pods), destination: podAt(flow.destination, pods) };
}

function podAt(endpoint: FlowEndpoint, pods: PodIndex): PodInfo | undefined {
  const byIp = endpoint.ip ? pods.get(endpoint.ip) : undefined;
  if (!endpoint.podName || !endpoint.namespace) return byIp;
  if (byIp && byIp.name === endpoint.podName && byIp.namespace === endpoint.namespace) return byIp;
  const named = pods.named(endpoint.namespace, endpoint.podName);
  if (named) return named;
  // Hubble knows the pod though --pods does not: what it says is all there is
  const workload = endpoint.workload ? `${endpoint.workload.kind}/${endpoint.workload.name}` : `Pod/${endpoint.podName}`;
  const labels: Record<string, string> = {};
  for (const label of endpoint.labels) {
    const match = /^k8s:([^=]+)=(.*)$/.exec(label);
    if (match && !match[1].startsWith('io.kubernetes.pod.') && !match[1].startsWith('io.cilium.')) labels[match[1]] = match[2];
  }
  const serviceAccount = endpoint.labels.find((label) => label.startsWith('k8s:io.cilium.k8s.policy.serviceaccount='))?.split('=')[1] ?? 'default';
  return { namespace: endpoint.namespace, name: endpoint.podName, serviceAccount, workload, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
}

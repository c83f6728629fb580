import { serviceAccountUsername } from '../core/identity.js';
import type { PodIndex, PodInfo } from '../core/pods.js';
import type { DetectContext } from './context.js';
import type { FieldDef, FieldValue } from './fields.js';
import { attributeFlow, isWorld, POLICY_DROP_REASONS, type Flow, type FlowEndpoint } from './hubble.js';

/**
 * A Hubble flow as a detection event (`source: flow`): the flow, the pod on our side of it (the
 * source of an egress flow, the destination of an ingress one) and the peer, with the `flow.*` fields
 * rules read.
 */
export interface FlowEvent {
  source: 'flow';
  time: number;
  timeText: string;
  /** `file:line`: the evidence id of a flow. */
  id: string;
  flow: Flow;
  /** The pod on our side: the source of egress, the destination of ingress. */
  pod?: PodInfo;
  /** The other end's pod, when it is one. */
  peer?: PodInfo;
  /** The other end for people: `namespace/pod`, else a DNS name Cilium knows, else the IP (with the port). */
  peerText: string;
  context?: DetectContext;
}

/** Wraps a parsed flow for the detector, attributing both ends to pods. */
export function flowEvent(flow: Flow, id: string, pods: PodIndex): FlowEvent {
  const { source, destination } = attributeFlow(flow, pods);
  const ingress = flow.direction === 'ingress' || (flow.direction === 'unknown' && !source && destination !== undefined);
  const pod = ingress ? destination : source;
  const peer = ingress ? source : destination;
  const peerEnd = ingress ? flow.source : flow.destination;
  const names = ingress ? flow.sourceNames : flow.destinationNames;
  const peerName = peer ? `${peer.namespace}/${peer.name}` : (names[0] ?? peerEnd.ip ?? '?');
  const port = flow.destination.port;
  return { source: 'flow', time: flow.time, timeText: flow.timeText, id, flow, pod, peer, peerText: port === undefined ? peerName : `${peerName}:${port}` };
}

/** What a flow alert names as its principal: the pod on our side, else its address. */
export function flowPrincipal(event: FlowEvent): string {
  if (event.pod) return `${event.pod.namespace}/${event.pod.name}`;
  const local = event.flow.direction === 'ingress' ? event.flow.destination : event.flow.source;
  return local.ip ?? '<unknown>';
}

/** A new connection: a TCP SYN without ACK, or the first packet of another protocol (not a reply). */
export function isNewConnection(flow: Flow): boolean {
  if (flow.protocol === 'TCP') return flow.tcpFlags.includes('SYN') && !flow.tcpFlags.includes('ACK');
  return flow.isReply !== true;
}

// ---- fields -------------------------------------------------------------------------------------

type Def = Omit<FieldDef, 'source' | 'type' | 'extract'> & { type?: 'string' | 'number'; extract(event: FlowEvent, arg: string | undefined): FieldValue };
const flowFields = (defs: Def[]): FieldDef[] => defs.map((def) => ({ type: 'string', source: 'flow', ...def, extract: def.extract as FieldDef['extract'] }));
const bool = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'true' : 'false');

function endpointFields(side: 'src' | 'dst', end: (event: FlowEvent) => FlowEndpoint, pod: (event: FlowEvent) => PodInfo | undefined, what: string): Def[] {
  return [
    { name: `flow.${side}.ip`, desc: `the ${what} IP`, extract: (e) => end(e).ip },
    { name: `flow.${side}.port`, type: 'number', desc: `the ${what} port`, extract: (e) => end(e).port },
    { name: `flow.${side}.namespace`, desc: `the namespace of the ${what} pod`, extract: (e) => pod(e)?.namespace ?? end(e).namespace },
    { name: `flow.${side}.pod`, desc: `the ${what} pod name`, extract: (e) => pod(e)?.name ?? end(e).podName },
    { name: `flow.${side}.workload`, desc: `the workload of the ${what} pod (Deployment/web, …)`, extract: (e) => pod(e)?.workload },
    { name: `flow.${side}.labels`, list: true, desc: `the ${what} endpoint labels as Hubble gives them (k8s:app=web, reserved:world, cidr:…)`, extract: (e) => end(e).labels },
    { name: `flow.${side}.identity`, type: 'number', desc: `the ${what} Cilium security identity`, extract: (e) => end(e).identity },
    { name: `flow.${side}.reserved`, list: true, desc: `the ${what} reserved identities (world, host, kube-apiserver, remote-node, …)`, extract: (e) => end(e).reserved },
    { name: `flow.${side}.world`, desc: `"true" when the ${what} is outside the cluster (Cilium's world identity, or a public address without identity)`, extract: (e) => bool(isWorld(end(e))) },
  ];
}

const local = (e: FlowEvent) => e.pod;

export const FLOW_FIELDS: readonly FieldDef[] = flowFields([
  { name: 'flow.time', desc: 'the flow time (RFC 3339)', extract: (e) => e.timeText },
  { name: 'flow.verdict', desc: 'FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED', extract: (e) => e.flow.verdict },
  { name: 'flow.drop_reason', desc: 'why it was dropped (POLICY_DENIED, POLICY_DENY, AUTH_REQUIRED, …)', extract: (e) => e.flow.dropReason },
  { name: 'flow.policy_drop', desc: '"true" for a flow dropped by a network policy (a policy drop reason, or an L7 denial)', extract: (e) => bool(e.flow.verdict === 'DROPPED' && (POLICY_DROP_REASONS.has(e.flow.dropReason ?? '') || (e.flow.l7 !== undefined && e.flow.dropReason === undefined))) },
  { name: 'flow.direction', desc: 'ingress, egress or unknown (as seen from the pod on our side)', extract: (e) => e.flow.direction },
  { name: 'flow.is_reply', desc: '"true" for the answer of a connection (unavailable when Hubble could not tell)', extract: (e) => bool(e.flow.isReply) },
  { name: 'flow.new_connection', desc: '"true" for a connection being opened: a TCP SYN without ACK, or a first packet that is not a reply', extract: (e) => bool(isNewConnection(e.flow)) },
  { name: 'flow.ip_version', type: 'number', desc: '4 or 6', extract: (e) => e.flow.ipVersion },
  { name: 'flow.protocol', desc: 'TCP, UDP, SCTP, ICMPv4, ICMPv6', extract: (e) => e.flow.protocol },
  { name: 'flow.tcp.flags', list: true, desc: 'the TCP flags set (SYN, ACK, FIN, RST, PSH, …)', extract: (e) => e.flow.tcpFlags },
  ...endpointFields('src', (e) => e.flow.source, (e) => (e.flow.direction === 'ingress' ? e.peer : e.pod), 'source'),
  ...endpointFields('dst', (e) => e.flow.destination, (e) => (e.flow.direction === 'ingress' ? e.pod : e.peer), 'destination'),
  { name: 'flow.dst.names', list: true, desc: 'DNS names Cilium knows for the destination address', extract: (e) => e.flow.destinationNames },
  { name: 'flow.dst.service', desc: 'the destination Service, namespace/name', extract: (e) => e.flow.destination.service },
  { name: 'flow.node', desc: 'the node that observed the flow', extract: (e) => e.flow.node },
  { name: 'flow.type', desc: 'L3_L4, L7 or SOCK', extract: (e) => e.flow.type },
  { name: 'flow.l7.type', desc: 'REQUEST or RESPONSE for L7 flows', extract: (e) => e.flow.l7?.type },
  { name: 'flow.l7.dns.query', desc: 'the DNS query of an L7 DNS flow', extract: (e) => e.flow.l7?.dnsQuery },
  { name: 'flow.l7.http.url', desc: 'the URL of an L7 HTTP flow', extract: (e) => e.flow.l7?.httpUrl },
  { name: 'flow.policy.denied_by', list: true, desc: 'the policies that denied the flow (Kind/namespace/name)', extract: (e) => e.flow.policies.deniedBy },
  { name: 'flow.policy.allowed_by', list: true, desc: 'the policies that allowed the flow (Kind/namespace/name)', extract: (e) => e.flow.policies.allowedBy },
  { name: 'flow.pod', desc: 'namespace/name of the pod on our side (the source of egress, the destination of ingress)', extract: (e) => (local(e) ? `${local(e)!.namespace}/${local(e)!.name}` : undefined) },
  { name: 'flow.pod.name', desc: 'its name', extract: (e) => local(e)?.name },
  { name: 'flow.pod.namespace', desc: 'its namespace', extract: (e) => local(e)?.namespace },
  { name: 'flow.pod.serviceaccount', desc: 'the ServiceAccount it runs as', extract: (e) => local(e)?.serviceAccount },
  { name: 'flow.pod.sa.username', desc: 'the username that ServiceAccount authenticates as', extract: (e) => (local(e) ? serviceAccountUsername(local(e)!.namespace, local(e)!.serviceAccount) : undefined) },
  {
    name: 'flow.pod.sa.reads_secrets',
    desc: '"true" when that ServiceAccount can read Secrets (from the audit log or the RBAC of --cluster)',
    extract: (e) => (e.pod ? bool(e.context?.secretReadSource(e.pod.namespace, e.pod.serviceAccount) !== undefined) : undefined),
  },
  { name: 'flow.workload', desc: 'the workload of the pod on our side (Deployment/web, …)', extract: (e) => local(e)?.workload },
  { name: 'flow.principal', desc: 'namespace/pod on our side, or its IP when no pod has it', extract: (e) => flowPrincipal(e) },
  { name: 'flow.peer', desc: 'the other end: namespace/pod, a DNS name Cilium knows, or the IP, with the port', extract: (e) => e.peerText },
]);

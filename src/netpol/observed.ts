/**
 * Observed traffic, for `netpol generate --from-dns-log` and `--from-flows`: what pods did, told as
 * workloads of the sources, with pods attributed by the same PodIndex detection uses.
 *
 * From a CoreDNS query log:
 *   - every workload whose pods queried cluster DNS needs DNS to it;
 *   - a Service looked up by its cluster name (`svc.ns.svc.<cluster domain>`, a StatefulSet pod's
 *     `pod.svc.ns.svc.…`, an SRV `_port._proto.svc.ns.svc.…`) and answered is a Service called: the
 *     client needs the Service's pods on its ports (DNS says which Service, not which port);
 *   - an outside name answered is internet egress, whose addresses a query log does not hold: it is
 *     reported (by registered domain) for the reader, and allowed only from flows or declared flows.
 *
 * From Cilium Hubble flows (parsed by detect/hubble.ts): every connection a pod opened that was
 * forwarded (replies and drops are not connections it needs), as protocol and destination port,
 * between workloads, or with an address outside the pods (the internet, the API server, other
 * nodes) named by the DNS names Cilium knew for it. A connection to cluster DNS is DNS use.
 */
import { compareStrings } from '../core/order.js';
import type { PodIndex, PodInfo } from '../core/pods.js';
import { mapSelectorMatches, selectorMatches } from '../core/selector.js';
import type { DnsEvent } from '../detect/dns.js';
import { attributeFlow, type Flow, type FlowEndpoint } from '../detect/hubble.js';
import { ConnectionSet, isProtocol } from './connections.js';
import type { ClusterDns } from './coverage.js';
import { podSelectorFor } from './generate.js';
import { parseAddress, rangeToCidrs } from './ip.js';
import type { Workload } from './peers.js';

/** A pod as attribution names it (core/pods PodInfo): namespace, name, labels, workload (`Deployment/web`). */
export type ObservedPod = Pick<PodInfo, 'namespace' | 'name' | 'labels'> & { workload?: string };

export interface ServiceLookup {
  /** The client's workload id. */
  client: string;
  namespace: string;
  service: string;
  queries: number;
}

export interface OutsideLookups {
  client: string;
  /** The registered domain (eTLD+1). */
  domain: string;
  /** Distinct names under it (counted up to MAX_NAMES). */
  names: number;
  queries: number;
}

/** A connection seen in flows: its ends (a workload id, or an address as a CIDR) and what it used. */
export interface ObservedConnection {
  src: string;
  dst: string;
  conn: ConnectionSet;
  /** How many flows opened it. */
  flows: number;
  /** DNS names Cilium knew for the end that is an address. */
  names: string[];
}

/** What was seen, as workloads: the input of `generatePolicies` beside Services and declared flows. */
export interface ObservedTraffic {
  /** Workload id → queries (or flows) it sent to cluster DNS. */
  dnsClients: Map<string, number>;
  serviceLookups: ServiceLookup[];
  outsideLookups: OutsideLookups[];
  connections: ObservedConnection[];
  warnings: string[];
}

export function emptyTraffic(): ObservedTraffic {
  return { dnsClients: new Map(), serviceLookups: [], outsideLookups: [], connections: [], warnings: [] };
}

/** Both observations as one (a DNS log and flows of the same cluster). */
export function mergeTraffic(a: ObservedTraffic, b: ObservedTraffic): ObservedTraffic {
  const dnsClients = new Map(a.dnsClients);
  for (const [id, count] of b.dnsClients) dnsClients.set(id, (dnsClients.get(id) ?? 0) + count);
  return { dnsClients, serviceLookups: [...a.serviceLookups, ...b.serviceLookups], outsideLookups: [...a.outsideLookups, ...b.outsideLookups], connections: [...a.connections, ...b.connections], warnings: [...a.warnings, ...b.warnings] };
}

export const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The first five names, for a warning about many of them (one line, not one per name). */
export function firstNames(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}

function unknownPodsWarning(what: string, pods: readonly string[]): string[] {
  if (pods.length === 0) return [];
  return [`${plural(pods.length, `pod that ${what} is`, `pods that ${what} are`)} no workload of the sources (nothing is allowed for them): ${firstNames(pods)}`];
}

/** Distinct names kept per (pod, domain): enough to tell a tunnel from an API, bounded for a tunnel's millions. */
const MAX_NAMES = 10_000;

interface PodActivity {
  pod: PodInfo;
  queries: number;
  services: Map<string, number>;
  outside: Map<string, { names: Set<string>; queries: number }>;
}

/**
 * The workload of the sources a pod belongs to: the one named `ns/name[Kind]` after its controller (a
 * Deployment through its ReplicaSet's pod-template-hash), else its owner as the sources list it, else
 * the one workload of its namespace whose generated policy would select it (podSelectorFor).
 */
export function workloadOfPod(pod: ObservedPod, workloads: readonly Workload[]): Workload | undefined {
  const inNamespace = workloads.filter((workload) => workload.namespace === pod.namespace);
  const ids = new Set<string>();
  if (pod.workload) {
    const slash = pod.workload.indexOf('/');
    ids.add(`${pod.namespace}/${pod.workload.slice(slash + 1)}[${pod.workload.slice(0, slash)}]`);
  }
  ids.add(`${pod.namespace}/${pod.name}[Pod]`);
  for (const id of ids) {
    const found = inNamespace.find((workload) => workload.id === id);
    if (found) return found;
  }
  // The selector the generated policy selects the workload by: the pods it selects are the workload's.
  const selecting = inNamespace.filter((workload) => {
    const selector = podSelectorFor(workload);
    return selector !== undefined && selectorMatches(selector, pod.labels ?? {});
  });
  return selecting.length === 1 ? selecting[0] : undefined;
}

/** The Service a cluster name stands for: `[host.|_port._proto.]svc.ns.svc.<cluster domain>`. */
export function serviceOfName(name: string, clusterDomain: string): { namespace: string; service: string } | undefined {
  const suffix = `.svc.${clusterDomain}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length < 2) return undefined;
  return { namespace: labels[labels.length - 1], service: labels[labels.length - 2] };
}

/** Queries of a CoreDNS log, gathered per pod as they are read; `result` tells them as workloads. */
export class DnsObservations {
  private readonly byPod = new Map<string, PodActivity>();
  private unattributed = new Map<string, number>();

  constructor(private readonly clusterDomain = 'cluster.local') {}

  add(event: DnsEvent): void {
    if (!event.pod) {
      this.unattributed.set(event.clientIp, (this.unattributed.get(event.clientIp) ?? 0) + 1);
      return;
    }
    const key = `${event.pod.namespace}/${event.pod.name}`;
    let activity = this.byPod.get(key);
    if (!activity) this.byPod.set(key, (activity = { pod: event.pod, queries: 0, services: new Map(), outside: new Map() }));
    activity.queries++;
    if (event.rcode !== 'NOERROR' || event.searchExpansion) return;
    const service = serviceOfName(event.name, this.clusterDomain);
    if (service) {
      const serviceKey = `${service.namespace}/${service.service}`;
      activity.services.set(serviceKey, (activity.services.get(serviceKey) ?? 0) + 1);
    } else if (!event.internal) {
      let outside = activity.outside.get(event.domain);
      if (!outside) activity.outside.set(event.domain, (outside = { names: new Set(), queries: 0 }));
      outside.queries++;
      if (outside.names.size < MAX_NAMES) outside.names.add(event.query);
    }
  }

  /** The observations as workloads of the sources; pods that are none of them are named in warnings. */
  result(workloads: readonly Workload[]): ObservedTraffic {
    const observation = emptyTraffic();
    const services = new Map<string, ServiceLookup>();
    const outside = new Map<string, OutsideLookups>();
    const unknownPods: string[] = [];
    for (const [key, activity] of this.byPod) {
      const workload = workloadOfPod(activity.pod, workloads);
      if (!workload) {
        unknownPods.push(key);
        continue;
      }
      observation.dnsClients.set(workload.id, (observation.dnsClients.get(workload.id) ?? 0) + activity.queries);
      for (const [serviceKey, queries] of activity.services) {
        const [namespace, service] = serviceKey.split('/');
        const lookupKey = `${workload.id}\u0000${serviceKey}`;
        const lookup = services.get(lookupKey) ?? { client: workload.id, namespace, service, queries: 0 };
        lookup.queries += queries;
        services.set(lookupKey, lookup);
      }
      for (const [domain, seen] of activity.outside) {
        const lookupKey = `${workload.id}\u0000${domain}`;
        const entry = outside.get(lookupKey) ?? { client: workload.id, domain, names: 0, queries: 0 };
        entry.names = Math.min(MAX_NAMES, entry.names + seen.names.size);
        entry.queries += seen.queries;
        outside.set(lookupKey, entry);
      }
    }
    const byKey = <T extends { client: string }>(a: T, b: T) => compareStrings(a.client, b.client);
    observation.serviceLookups = [...services.values()].sort((a, b) => byKey(a, b) || (a.namespace + a.service < b.namespace + b.service ? -1 : 1));
    observation.outsideLookups = [...outside.values()].sort((a, b) => byKey(a, b) || b.queries - a.queries);
    observation.warnings.push(...unknownPodsWarning('queried DNS', unknownPods));
    if (this.unattributed.size) {
      const queries = [...this.unattributed.values()].reduce((sum, count) => sum + count, 0);
      observation.warnings.push(`${plural(queries, 'DNS query', 'DNS queries')} from ${plural(this.unattributed.size, 'address', 'addresses')} no pod of --pods has (host-network pods, nodes, or pods gone): nothing is allowed for them`);
    }
    return observation;
  }
}

// ---- flows ----------------------------------------------------------------------------------------

/** Verdicts of traffic that went through: forwarded, to a proxy, or let pass by a policy in audit mode. */
const PASSED = new Set(['FORWARDED', 'REDIRECTED', 'AUDIT']);
/** Identities of a pod's own node: NetworkPolicy never stands between a pod and its node. */
const OWN_NODE = new Set(['host', 'health']);

export interface FlowObservationStats {
  flows: number;
  /** Connections opened (the flows that count). */
  opened: number;
  replies: number;
  /** Dropped or errored: never happened, so not needed. */
  notPassed: number;
  /** ICMP and other protocols NetworkPolicy cannot name. */
  otherProtocols: number;
  /** To or from the pod's own node. */
  ownNode: number;
  /** An end that is neither a pod nor an address. */
  unattributed: number;
}

/** Does this flow open a connection from its source (not a reply)? Hubble says so; else a TCP SYN without ACK. */
function opensConnection(flow: Flow): boolean {
  if (flow.isReply !== undefined) return !flow.isReply;
  if (flow.protocol === 'TCP') return flow.tcpFlags.includes('SYN') && !flow.tcpFlags.includes('ACK');
  return true;
}

type End = { pod: PodInfo } | { cidr: string } | undefined;

function endOf(endpoint: FlowEndpoint, pod: PodInfo | undefined): End | 'own-node' {
  if (pod) return { pod };
  if (endpoint.reserved.some((identity) => OWN_NODE.has(identity))) return 'own-node';
  const address = endpoint.ip === undefined ? undefined : parseAddress(endpoint.ip);
  return address === undefined ? undefined : { cidr: rangeToCidrs(address, address)[0] };
}

/** Flows gathered per pair of ends as they are read; `result` tells them as workloads. */
export class FlowObservations {
  readonly stats: FlowObservationStats = { flows: 0, opened: 0, replies: 0, notPassed: 0, otherProtocols: 0, ownNode: 0, unattributed: 0 };
  private readonly pairs = new Map<string, { src: End; dst: End; conn: ConnectionSet; flows: number; names: Set<string> }>();
  private readonly dns = new Map<string, { pod: PodInfo; flows: number }>();

  constructor(
    private readonly pods: PodIndex,
    private readonly clusterDns: ClusterDns,
  ) {}

  add(flow: Flow): void {
    this.stats.flows++;
    if (!PASSED.has(flow.verdict)) return void this.stats.notPassed++;
    if (!opensConnection(flow)) return void this.stats.replies++;
    if (!flow.protocol || !isProtocol(flow.protocol) || flow.destination.port === undefined) return void this.stats.otherProtocols++;
    const attributed = attributeFlow(flow, this.pods);
    const src = endOf(flow.source, attributed.source);
    const dst = endOf(flow.destination, attributed.destination);
    if (src === 'own-node' || dst === 'own-node') return void this.stats.ownNode++;
    if (!src || !dst) return void this.stats.unattributed++;
    this.stats.opened++;
    if ('pod' in src && 'pod' in dst && this.isClusterDns(dst.pod)) {
      const key = `${src.pod.namespace}/${src.pod.name}`;
      const entry = this.dns.get(key) ?? { pod: src.pod, flows: 0 };
      entry.flows++;
      this.dns.set(key, entry);
      return;
    }
    const key = `${'pod' in src ? `${src.pod.namespace}/${src.pod.name}` : src.cidr}\u0000${'pod' in dst ? `${dst.pod.namespace}/${dst.pod.name}` : dst.cidr}`;
    let pair = this.pairs.get(key);
    if (!pair) this.pairs.set(key, (pair = { src, dst, conn: ConnectionSet.NONE, flows: 0, names: new Set() }));
    pair.conn = pair.conn.union(ConnectionSet.of(flow.protocol, flow.destination.port));
    pair.flows++;
    for (const name of 'cidr' in dst ? flow.destinationNames : 'cidr' in src ? flow.sourceNames : []) pair.names.add(name);
  }

  private isClusterDns(pod: PodInfo): boolean {
    return pod.namespace === this.clusterDns.namespace && mapSelectorMatches(this.clusterDns.labels, pod.labels ?? {});
  }

  /** The connections between workloads of the sources and addresses; pods that are none of them are named in warnings. */
  result(workloads: readonly Workload[]): ObservedTraffic {
    const traffic = emptyTraffic();
    const unknownPods = new Set<string>();
    const idOf = (end: { pod: PodInfo } | { cidr: string }): string | undefined => {
      if ('cidr' in end) return end.cidr;
      const workload = workloadOfPod(end.pod, workloads);
      if (!workload) unknownPods.add(`${end.pod.namespace}/${end.pod.name}`);
      return workload?.id;
    };
    for (const { pod, flows } of this.dns.values()) {
      const id = idOf({ pod });
      if (id) traffic.dnsClients.set(id, (traffic.dnsClients.get(id) ?? 0) + flows);
    }
    const merged = new Map<string, ObservedConnection>();
    for (const pair of this.pairs.values()) {
      const [src, dst] = [idOf(pair.src!), idOf(pair.dst!)];
      if (!src || !dst || src === dst) continue;
      const key = `${src}\u0000${dst}`;
      const entry = merged.get(key) ?? { src, dst, conn: ConnectionSet.NONE, flows: 0, names: [] };
      entry.conn = entry.conn.union(pair.conn);
      entry.flows += pair.flows;
      entry.names = [...new Set([...entry.names, ...pair.names])].sort();
      merged.set(key, entry);
    }
    traffic.connections = [...merged.values()].sort((a, b) => (a.src < b.src ? -1 : a.src > b.src ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
    traffic.warnings.push(...unknownPodsWarning('opened or took connections', [...unknownPods].sort()));
    if (this.stats.unattributed) traffic.warnings.push(`${plural(this.stats.unattributed, 'flow', 'flows')} with an end that is no pod and no address: not allowed`);
    if (this.stats.otherProtocols) traffic.warnings.push(`${plural(this.stats.otherProtocols, 'flow', 'flows')} of ICMP or another protocol NetworkPolicy cannot name: not allowed`);
    return traffic;
  }
}

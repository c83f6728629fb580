/**
 * Observed traffic, for `netpol generate --from-dns-log` (and `--from-flows`): what pods did, told
 * as workloads of the sources. From a CoreDNS query log, attributed to pods by the same PodIndex DNS
 * detection uses:
 *   - every workload whose pods queried cluster DNS needs DNS to it;
 *   - a Service looked up by its cluster name (`svc.ns.svc.<cluster domain>`, a StatefulSet pod's
 *     `pod.svc.ns.svc.…`, an SRV `_port._proto.svc.ns.svc.…`) and answered is a Service called: the
 *     client needs the Service's pods on its ports (DNS says which Service, not which port);
 *   - an outside name answered is internet egress, whose addresses a query log does not hold: it is
 *     reported (by registered domain) for the reader, and allowed only from flows or declared flows.
 */
import type { KubeObject } from '../core/object.js';
import { selectorMatches } from '../core/selector.js';
import { controllerOf } from '../core/workload.js';
import type { PodInfo } from '../core/pods.js';
import type { DnsEvent } from '../detect/dns.js';
import { podSelectorFor } from './generate.js';
import type { Workload } from './peers.js';

/** A pod as observations name it: namespace, name, labels, and what DNS detection calls its workload (`Deployment/web`). */
export interface ObservedPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** `Kind/name` of its controller (a Deployment for a ReplicaSet with a pod-template-hash), or `Pod/name`. */
  workload?: string;
  object?: KubeObject;
}

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

export interface DnsObservation {
  /** Workload id → queries it made to cluster DNS. */
  dnsClients: Map<string, number>;
  serviceLookups: ServiceLookup[];
  outsideLookups: OutsideLookups[];
  warnings: string[];
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
  const owner = pod.object ? controllerOf(pod.object) : undefined;
  if (owner?.kind) ids.add(`${pod.namespace}/${owner.name}[${owner.kind}]`);
  ids.add(`${pod.namespace}/${pod.name}[Pod]`);
  for (const id of ids) {
    const found = inNamespace.find((workload) => workload.id === id);
    if (found) return found;
  }
  // The selector the generated policy selects the workload by: the pods it selects are the workload's.
  const selecting = inNamespace.filter((workload) => {
    const selector = podSelectorFor(workload);
    return selector !== undefined && selectorMatches(selector, pod.labels);
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
  result(workloads: readonly Workload[], pods: ReadonlyMap<string, ObservedPod>): DnsObservation {
    const observation: DnsObservation = { dnsClients: new Map(), serviceLookups: [], outsideLookups: [], warnings: [] };
    const services = new Map<string, ServiceLookup>();
    const outside = new Map<string, OutsideLookups>();
    const unknownPods: string[] = [];
    for (const [key, activity] of this.byPod) {
      const pod = pods.get(key) ?? { namespace: activity.pod.namespace, name: activity.pod.name, labels: {}, workload: activity.pod.workload };
      const workload = workloadOfPod({ ...pod, workload: activity.pod.workload }, workloads);
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
    const byKey = <T extends { client: string }>(a: T, b: T) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0);
    observation.serviceLookups = [...services.values()].sort((a, b) => byKey(a, b) || (a.namespace + a.service < b.namespace + b.service ? -1 : 1));
    observation.outsideLookups = [...outside.values()].sort((a, b) => byKey(a, b) || b.queries - a.queries);
    if (unknownPods.length) observation.warnings.push(`${unknownPods.length} ${unknownPods.length === 1 ? 'pod that queried DNS is' : 'pods that queried DNS are'} no workload of the sources (nothing is allowed for them): ${unknownPods.slice(0, 5).join(', ')}${unknownPods.length > 5 ? ', …' : ''}`);
    if (this.unattributed.size) {
      const queries = [...this.unattributed.values()].reduce((sum, count) => sum + count, 0);
      observation.warnings.push(`${queries} DNS ${queries === 1 ? 'query' : 'queries'} from ${this.unattributed.size} ${this.unattributed.size === 1 ? 'address' : 'addresses'} no pod of --pods has (host-network pods, nodes, or pods gone): nothing is allowed for them`);
    }
    return observation;
  }
}

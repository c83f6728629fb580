import jsYaml from 'js-yaml';
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { GENERATED_FOR_ANNOTATION, isRecord, MANAGED_BY, type KubeObject } from '../core/object.js';
import { compareStrings } from '../core/order.js';
import { escapeControl } from '../core/sanitize.js';
import { mapSelectorMatches, selectorMatches, type LabelSelector } from '../core/selector.js';
import { serviceReferences, type ServiceReference } from './clients.js';
import { ConnectionSet, type Protocol } from './connections.js';
import { DEFAULT_CLUSTER_DNS, type ClusterDns } from './coverage.js';
import { resolveFlowEnd, type DeclaredFlow, type FlowEnd } from './flows.js';
import { firstNames, plural, type ObservedTraffic, type OutsideLookups } from './observed.js';
import type { PolicyVerification } from './verify.js';
import { backendsOf, servicesOf, type ServiceInfo } from './ingress.js';
import { NO_IPS, rangeToCidrs, setOfCidrs, type IpSet } from './ip.js';
import { buildTopology, NAMESPACE_NAME_LABEL, type PodVariant, type Workload } from './peers.js';
import { DEFAULT_SKIPPED_NAMESPACES } from './defaults.js';

/**
 * Least-privilege NetworkPolicies: per namespace a default deny for both directions, then per
 * workload one policy allowing exactly what it needs, taken from
 *   - Services: clients that name a Service in their configuration reach its pods on its target
 *     ports; LoadBalancer and NodePort Services and Ingress/Route backends are reachable from anywhere;
 *   - declared flows (`--from`);
 *   - observed traffic: the Services a DNS log shows a workload looking up (`--from-dns-log`);
 *   - DNS: every workload may query cluster DNS (with a DNS log: every workload seen querying it),
 *     and nothing else on port 53.
 * Each connection is allowed at both ends (egress at the source, ingress at the destination), where
 * the end is a workload kubeward writes policies for. Existing policies are ignored: the output is
 * meant to replace them.
 */

export interface GenerateOptions {
  flows?: DeclaredFlow[];
  clusterDns?: ClusterDns;
  /** Namespaces to leave without policies (default: the control plane's kube-system, kube-public, kube-node-lease). */
  skipNamespaces?: string[];
  /**
   * What a DNS log or flows showed (observed.ts): then only the workloads seen querying get DNS,
   * every Service they looked up counts as called, and every connection seen is allowed.
   */
  observed?: ObservedTraffic;
}

export { DEFAULT_SKIPPED_NAMESPACES };
/** On a generated policy: the DNS names flows saw for its ipBlocks, `cidr=name,name; cidr=name`. */
export const EXTERNAL_NAMES_ANNOTATION = 'kubeward.io/external-names';

/** One end of a needed connection. `pods` stands for workloads the sources do not hold (cluster DNS). */
export type Site = FlowEnd | { type: 'pods'; namespace: string; selector: LabelSelector; label: string };

export interface Need {
  src: Site;
  dst: Site;
  conn: ConnectionSet;
  reason: string;
  /** Seen in traffic (a DNS log, flows): the generated policies must allow it. */
  observed?: boolean;
}

export interface IntendedConnection {
  /** A workload id, an address label, or `*` for anywhere. */
  src: string;
  dst: string;
  conn: string;
  reason: string;
}

export interface GeneratedPolicies {
  policies: KubeObject[];
  intended: IntendedConnection[];
  warnings: string[];
  /** Every connection the policies are for, as sites (what verification checks the policies against). */
  needs: Need[];
  /** Namespaces the policies govern (a default deny each). */
  namespaces: string[];
  /** Outside names looked up (from a DNS log): their addresses are unknown, so nothing is allowed for them. */
  outsideLookups: OutsideLookups[];
}

const VOLATILE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
]);
const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export function generatePolicies(inventory: Inventory, options: GenerateOptions = {}): GeneratedPolicies {
  const warnings: string[] = [];
  const existing = inventory.byKind('NetworkPolicy').length;
  if (existing) warnings.push(`${existing} NetworkPolicies in the sources are ignored: the generated ones are meant to replace them`);
  const { workloads } = buildTopology(inventory);
  const skipped = new Set(options.skipNamespaces ?? DEFAULT_SKIPPED_NAMESPACES);
  const inScope = workloads.filter((workload) => !skipped.has(workload.namespace));
  const selectors = new Map<Workload, LabelSelector>();
  const unlabelled: string[] = [];
  for (const workload of workloads) {
    const selector = podSelectorFor(workload);
    if (selector) selectors.set(workload, selector);
    else if (!skipped.has(workload.namespace)) unlabelled.push(workload.id);
  }
  // one line for all of them: a dump of 2,000 bare pods printed 2,000 warnings
  if (unlabelled.length === 1) warnings.push(`${unlabelled[0]} has no pod labels to select it by: no policy allows anything for it (default deny applies)`);
  else if (unlabelled.length > 1) warnings.push(`${plural(unlabelled.length, 'workload', 'workloads')} have no pod labels to select them by: no policy allows anything for them (default deny applies): ${firstNames(unlabelled)}`);
  warnOverlaps(inScope, selectors, warnings);
  const clusterDns = options.clusterDns ?? DEFAULT_CLUSTER_DNS;
  const services = servicesOf(inventory);
  const needs = [
    ...serviceNeeds(inventory, workloads, services, warnings, options.observed),
    ...flowNeeds(options.flows ?? [], workloads, warnings),
    ...observedNeeds(options.observed, workloads),
    ...dnsNeeds(inScope, workloads, services, clusterDns, options.observed),
  ];
  for (const warning of options.observed?.warnings ?? []) warnings.push(warning);
  const policies: KubeObject[] = [];
  const declared = inventory.byKind('Namespace').map((object) => object.metadata.name).filter((name): name is string => !!name && !skipped.has(name));
  const namespaces = [...new Set([...declared, ...inScope.map((workload) => workload.namespace)])].sort();
  for (const namespace of namespaces) {
    policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace, labels: { ...MANAGED_BY } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
  const names = new Set<string>();
  for (const workload of [...inScope].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const selector = selectors.get(workload);
    if (!selector) continue;
    const policy = workloadPolicy(workload, selector, needs, selectors, names);
    if (policy) policies.push(policy);
  }
  const intended = needs.map(intendedOf).sort((a, b) => compareStrings(a.src, b.src) || compareStrings(a.dst, b.dst));
  return { policies, intended, warnings, needs, namespaces, outsideLookups: lookupsNotAllowed(options.observed) };
}

/** The controller's own selector when it has one (what owns the pods), else the pod labels that stay stable across rollouts. */
export function podSelectorFor(workload: Workload): LabelSelector | undefined {
  const object = workload.objects[0];
  const spec = isRecord(object.spec) ? object.spec : {};
  if (object.kind === workload.kind && SELECTOR_KINDS.has(object.kind) && isRecord(spec.selector)) {
    const selector = spec.selector as LabelSelector;
    if (Object.keys(selector.matchLabels ?? {}).length || (selector.matchExpressions ?? []).length) return selector;
  }
  const labels = Object.fromEntries(Object.entries(workload.variants[0]?.labels ?? {}).filter(([key]) => !VOLATILE_LABELS.has(key)));
  if (Object.keys(labels).length) return { matchLabels: labels };
  // A Job's pods carry its name (peers.ts jobLabels): the one stable label a bare Job has.
  return object.kind === 'Job' && workload.kind === 'Job' ? { matchLabels: { 'batch.kubernetes.io/job-name': workload.name } } : undefined;
}

function warnOverlaps(workloads: readonly Workload[], selectors: Map<Workload, LabelSelector>, warnings: string[]): void {
  for (const workload of workloads) {
    const selector = selectors.get(workload);
    if (!selector) continue;
    const others = workloads.filter((other) => other !== workload && other.namespace === workload.namespace && other.variants.some((variant) => selectorMatches(selector, variant.labels)));
    if (others.length) warnings.push(`the selector of ${workload.id} also selects ${others.map((other) => other.id).join(', ')}: what it is allowed, they are allowed too`);
  }
}

/** The port a Service port forwards to on a pod: a number, or a name the pod's container ports resolve (same protocol). */
function targetConnections(service: ServiceInfo, ports: ServiceInfo['ports'], variant: PodVariant, warnings: string[]): ConnectionSet {
  let conn = ConnectionSet.NONE;
  for (const port of ports) {
    const protocol = port.protocol as Protocol;
    if (typeof port.targetPort === 'number') conn = conn.union(ConnectionSet.of(protocol, port.targetPort));
    else {
      const named = variant.ports.find((candidate) => candidate.name === port.targetPort && candidate.protocol === protocol);
      if (named) conn = conn.union(ConnectionSet.of(protocol, named.port));
      else warnings.push(`Service ${service.namespace}/${service.name}: targetPort "${port.targetPort}" is not a ${protocol} port of ${variant.workload.id}: skipped`);
    }
  }
  return conn;
}

function serviceNeeds(inventory: Inventory, workloads: readonly Workload[], services: readonly ServiceInfo[], warnings: string[], dns?: ObservedTraffic): Need[] {
  const needs: Need[] = [];
  const selects = (service: ServiceInfo, workload: Workload) => workload.namespace === service.namespace && workload.variants.some((variant) => mapSelectorMatches(service.selector, variant.labels));
  const exposedBy = new Map<string, string[]>();
  for (const backend of backendsOf(inventory)) {
    const key = `${backend.namespace}/${backend.service}`;
    exposedBy.set(key, [...(exposedBy.get(key) ?? []), backend.source]);
  }
  const callers = new Map<ServiceInfo, { client: Workload; reference: ServiceReference; observed?: boolean }[]>();
  for (const client of workloads) {
    for (const reference of serviceReferences(client.objects[0], services, inventory, (candidate) => selects(candidate, client))) {
      callers.set(reference.service, [...(callers.get(reference.service) ?? []), { client, reference }]);
    }
  }
  // Services looked up in DNS: called on any of their ports (a lookup does not say which).
  for (const lookup of dns?.serviceLookups ?? []) {
    const client = workloads.find((workload) => workload.id === lookup.client);
    const service = services.find((candidate) => candidate.namespace === lookup.namespace && candidate.name === lookup.service);
    if (!client) continue;
    if (!service) {
      warnings.push(`${lookup.client} looked up Service ${lookup.namespace}/${lookup.service} in DNS, which is not in the sources (or selects no pods): nothing allowed for it`);
      continue;
    }
    if (selects(service, client)) continue;
    const queries = `${lookup.queries} DNS ${lookup.queries === 1 ? 'lookup' : 'lookups'}`;
    callers.set(service, [...(callers.get(service) ?? []), { client, reference: { service, ports: service.ports, where: queries }, observed: true }]);
  }
  for (const service of services) {
    const targets = workloads.filter((workload) => selects(service, workload));
    if (targets.length === 0) continue;
    const exposure = [...(service.type === 'LoadBalancer' || service.type === 'NodePort' ? [`Service ${service.namespace}/${service.name} (${service.type})`] : []), ...(exposedBy.get(`${service.namespace}/${service.name}`) ?? [])];
    for (const target of targets) {
      const conn = targetConnections(service, service.ports, target.variants[0], warnings);
      if (exposure.length && !conn.isEmpty) needs.push({ src: { type: 'anywhere' }, dst: { type: 'workload', workload: target }, conn, reason: `exposed by ${exposure.join(', ')}` });
    }
    for (const { client, reference, observed } of callers.get(service) ?? []) {
      for (const target of targets) {
        const conn = targetConnections(service, reference.ports, target.variants[0], warnings);
        if (conn.isEmpty) continue;
        const need: Need = { src: { type: 'workload', workload: client }, dst: { type: 'workload', workload: target }, conn, reason: `calls Service ${service.namespace}/${service.name} (${reference.where})` };
        if (observed) need.observed = true;
        needs.push(need);
      }
    }
  }
  return needs;
}

function flowNeeds(flows: readonly DeclaredFlow[], workloads: readonly Workload[], warnings: string[]): Need[] {
  const needs: Need[] = [];
  for (const flow of flows) {
    const src = resolveFlowEnd(flow.src, workloads, `${flow.where}.src`);
    const dst = resolveFlowEnd(flow.dst, workloads, `${flow.where}.dst`);
    if (dst.type === 'anywhere') throw new InputError(`${flow.where}.dst: ${flow.dst} can only be a source`);
    if (src.type !== 'workload' && dst.type === 'external') {
      warnings.push(`${flow.where}: both ends are outside the cluster: nothing to allow`);
      continue;
    }
    if (!flow.conn.isEmpty) needs.push({ src, dst, conn: flow.conn, reason: `declared in ${flow.where}` });
  }
  return needs;
}

/** Outside names looked up that no connection seen in flows reached (by a name under the same domain). */
function lookupsNotAllowed(observed: ObservedTraffic | undefined): OutsideLookups[] {
  if (!observed) return [];
  return observed.outsideLookups.filter((lookup) => !observed.connections.some((connection) => connection.src === lookup.client && connection.names.some((name) => name === lookup.domain || name.endsWith(`.${lookup.domain}`))));
}

/** Connections seen in flows, exactly: their ports, their ends (an address with the names Cilium knew for it). */
function observedNeeds(observed: ObservedTraffic | undefined, workloads: readonly Workload[]): Need[] {
  const site = (text: string, names: string[]): Site => {
    const workload = workloads.find((candidate) => candidate.id === text);
    if (workload) return { type: 'workload', workload };
    return { type: 'external', cidrs: [text], label: names.length ? `${text} (${names.join(', ')})` : text, ...(names.length ? { names } : {}) };
  };
  return (observed?.connections ?? []).map((connection) => ({
    src: site(connection.src, connection.names),
    dst: site(connection.dst, connection.names),
    conn: connection.conn,
    reason: `seen in ${connection.flows} ${connection.flows === 1 ? 'flow' : 'flows'}`,
    observed: true,
  }));
}

/**
 * DNS to cluster DNS for every workload: to the DNS pods of the sources when they are there (on the
 * ports their Service forwards to, 5353 on OpenShift), else to pods with the configured labels on 53.
 */
function dnsNeeds(inScope: readonly Workload[], workloads: readonly Workload[], services: readonly ServiceInfo[], clusterDns: ClusterDns, dns?: ObservedTraffic): Need[] {
  const servers = workloads.filter((workload) => workload.namespace === clusterDns.namespace && workload.variants.some((variant) => mapSelectorMatches(clusterDns.labels, variant.labels)));
  let conn = ConnectionSet.of('UDP', 53).union(ConnectionSet.of('TCP', 53));
  const service = services.find((candidate) => candidate.namespace === clusterDns.namespace && servers.some((server) => server.variants.some((variant) => mapSelectorMatches(candidate.selector, variant.labels))));
  if (service && servers.length) {
    const forwarded = targetConnections(service, service.ports.filter((port) => port.port === 53), servers[0].variants[0], []);
    if (!forwarded.isEmpty) conn = forwarded;
  }
  const destinations: Site[] = servers.length
    ? servers.map((workload) => ({ type: 'workload', workload }))
    : [{ type: 'pods', namespace: clusterDns.namespace, selector: { matchLabels: clusterDns.labels }, label: `${clusterDns.namespace}/${Object.entries(clusterDns.labels).map(([key, value]) => `${key}=${value}`).join(',')}` }];
  const clients = inScope.filter((workload) => !servers.includes(workload) && (!dns || dns.dnsClients.has(workload.id)));
  return clients.flatMap((workload) => {
    const queries = dns?.dnsClients.get(workload.id);
    const reason = queries === undefined ? 'DNS to cluster DNS' : `DNS to cluster DNS, seen ${queries} ${queries === 1 ? 'time' : 'times'}`;
    return destinations.map((dst): Need => ({ src: { type: 'workload', workload }, dst, conn, reason, ...(dns ? { observed: true } : {}) }));
  });
}

function siteLabel(site: Site): string {
  return site.type === 'workload' ? site.workload.id : site.type === 'anywhere' ? '*' : site.label;
}

function intendedOf(need: Need): IntendedConnection {
  return { src: siteLabel(need.src), dst: siteLabel(need.dst), conn: need.conn.toString(), reason: need.reason };
}

/** `from`/`to` entries naming a site, seen from a policy in `namespace`; undefined: anyone (no `from`). */
function peersFor(site: Site, namespace: string, selectors: Map<Workload, LabelSelector>): Record<string, unknown>[] | undefined {
  const pods = (siteNamespace: string, selector: LabelSelector) =>
    siteNamespace === namespace ? [{ podSelector: selector }] : [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: siteNamespace } }, podSelector: selector }];
  switch (site.type) {
    case 'anywhere':
      return undefined;
    case 'external':
      return site.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    case 'pods':
      return pods(site.namespace, site.selector);
    case 'workload': {
      const selector = selectors.get(site.workload);
      return selector ? pods(site.workload.namespace, selector) : [];
    }
  }
}

/** `ports` for a connection set: none for all connections, a protocol alone for all its ports, `endPort` for ranges. */
export function policyPorts(conn: ConnectionSet): Record<string, unknown>[] | undefined {
  if (conn.isAll) return undefined;
  const ports: Record<string, unknown>[] = [];
  for (const [protocol, set] of conn.entries()) {
    if (set.isFull) ports.push({ protocol });
    else for (const [start, end] of set.intervals()) ports.push(start === end ? { protocol, port: start } : { protocol, port: start, endPort: end });
  }
  return ports;
}

/**
 * Rules for one direction: needs with the same connections share a rule, their peers listed together,
 * and their external addresses merged into the fewest CIDRs (ranges a connlist cut apart join again).
 */
function rulesFor(needs: Need[], direction: 'ingress' | 'egress', namespace: string, selectors: Map<Workload, LabelSelector>): Record<string, unknown>[] {
  const byConn = new Map<string, { conn: ConnectionSet; peers: Map<string, Record<string, unknown>>; addresses: IpSet; anyone: boolean }>();
  for (const need of needs) {
    const site = direction === 'ingress' ? need.src : need.dst;
    const peers = site.type === 'external' ? [] : peersFor(site, namespace, selectors);
    if (peers && peers.length === 0 && site.type !== 'external') continue;
    const key = need.conn.toString();
    const entry = byConn.get(key) ?? { conn: need.conn, peers: new Map(), addresses: NO_IPS, anyone: false };
    if (!peers) entry.anyone = true;
    else for (const peer of peers) entry.peers.set(JSON.stringify(peer), peer);
    if (site.type === 'external') entry.addresses = entry.addresses.union(setOfCidrs(site.cidrs));
    byConn.set(key, entry);
  }
  const rules: Record<string, unknown>[] = [];
  for (const [, { conn, peers, addresses, anyone }] of [...byConn].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ports = policyPorts(conn);
    const peerField = direction === 'ingress' ? 'from' : 'to';
    for (const [start, end] of addresses.intervals()) for (const cidr of rangeToCidrs(start, end)) peers.set(JSON.stringify({ ipBlock: { cidr } }), { ipBlock: { cidr } });
    const sortedPeers = [...peers.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, peer]) => peer);
    // A rule without peers admits anyone; listing peers beside it would add nothing.
    const rule: Record<string, unknown> = anyone ? {} : { [peerField]: sortedPeers };
    if (ports) rule.ports = ports;
    rules.push(rule);
  }
  return rules;
}

function workloadPolicy(workload: Workload, selector: LabelSelector, needs: Need[], selectors: Map<Workload, LabelSelector>, names: Set<string>): KubeObject | undefined {
  const isThis = (site: Site) => site.type === 'workload' && site.workload === workload;
  const ingress = rulesFor(needs.filter((need) => isThis(need.dst) && !isThis(need.src)), 'ingress', workload.namespace, selectors);
  const egress = rulesFor(needs.filter((need) => isThis(need.src) && !isThis(need.dst)), 'egress', workload.namespace, selectors);
  if (!ingress.length && !egress.length) return undefined;
  let name = `allow-${workload.name}`;
  if (names.has(`${workload.namespace}/${name}`)) name = `allow-${workload.kind.toLowerCase()}-${workload.name}`;
  names.add(`${workload.namespace}/${name}`);
  const spec: Record<string, unknown> = { podSelector: selector, policyTypes: [...(ingress.length ? ['Ingress'] : []), ...(egress.length ? ['Egress'] : [])] };
  if (ingress.length) spec.ingress = ingress;
  if (egress.length) spec.egress = egress;
  const annotations: Record<string, string> = { [GENERATED_FOR_ANNOTATION]: workload.id };
  // An ipBlock says nothing of what it is: the names flows saw for it go beside it.
  const named = new Map<string, Set<string>>();
  for (const need of needs) {
    const other = isThis(need.src) ? need.dst : isThis(need.dst) ? need.src : undefined;
    if (other?.type === 'external' && other.names?.length) for (const cidr of other.cidrs) named.set(cidr, new Set([...(named.get(cidr) ?? []), ...other.names]));
  }
  if (named.size) annotations[EXTERNAL_NAMES_ANNOTATION] = [...named].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cidr, list]) => `${cidr}=${[...list].sort().join(',')}`).join('; ');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: name.length > 253 ? name.slice(0, 253) : name, namespace: workload.namespace, labels: { ...MANAGED_BY }, annotations },
    spec,
  };
}

/** The YAML `kubectl apply -f` takes: a comment saying what is allowed and why, then one document per policy. */
export function renderGenerated(result: GeneratedPolicies, verification?: PolicyVerification): string {
  const header = [
    '# Generated by kubeward netpol generate: default deny in every namespace, plus these connections:',
    ...result.intended.map((entry) => `#   ${entry.src} => ${entry.dst} : ${entry.conn}   (${entry.reason})`),
  ];
  if (result.outsideLookups.length) {
    header.push('# Not allowed: outside names looked up that no flow reached (the DNS log holds no addresses; allow them with --from-flows or --from):');
    for (const lookup of result.outsideLookups) header.push(`#   ${lookup.client} => ${lookup.domain} : ${lookup.names} ${lookup.names === 1 ? 'name' : 'names'}, ${lookup.queries} ${lookup.queries === 1 ? 'query' : 'queries'}`);
  }
  if (verification) {
    const observed = verification.checked ? `every observed connection (${verification.checked}) is allowed, and ` : '';
    if (!verification.notAllowed.length && !verification.unintended.length) header.push(`# verified by the NetworkPolicy engine (connlist): ${observed}nothing else to or from these workloads`);
    for (const { need, missing } of verification.notAllowed) header.push(`# warning: observed but not allowed: ${siteLabel(need.src)} => ${siteLabel(need.dst)} : ${missing.toString()} (${need.reason})`);
    for (const connection of verification.unintended) header.push(`# warning: also allowed, though nothing asked for it: ${connection.src} => ${connection.dst} : ${connection.conn.toString()}`);
  }
  for (const warning of result.warnings) header.push(`# warning: ${warning}`);
  const documents = result.policies.map((policy) => jsYaml.dump(policy, { noRefs: true, lineWidth: -1, quotingType: '"' }));
  // Names come from the sources and the logs: a newline in one must not end a comment and start YAML.
  return `${header.map(escapeControl).join('\n')}\n${documents.map((document) => `---\n${document}`).join('')}`;
}

import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { isEmptySelector, mapSelectorMatches } from '../core/selector.js';
import { ConnectionSet } from './connections.js';
import { describeOptions, type AnalysisOptions, type Endpoint } from './connectivity.js';
import { analyze, type Analysis } from './connlist.js';
import { familyOf, formatRange, IPV4_ALL, IPV6_ALL, NON_PUBLIC_CIDRS, setOfCidrs } from './ip.js';
import { addVirtualClass, hasWorkloadOfSeveralObjects, splitAddressSpace, type ExternalRange, type PodClass, type Workload } from './peers.js';
import { readPolicies, type Policies } from './policies.js';
import type { Direction, NetworkPolicyModel } from './policy.js';
import { DEFAULT_CLUSTER_DNS } from './defaults.js';

/**
 * The Limit stage's questions, per namespace and per workload: is every pod isolated by default
 * (a NetworkPolicy selecting all pods for the direction), may a workload reach the internet, may it
 * send DNS to a resolver outside the cluster (the path a DNS tunnel takes straight out), or only to
 * cluster DNS (which still recurses out for it: only detection can see that tunnel).
 */

export interface ClusterDns {
  namespace: string;
  /** Labels of the cluster DNS pods. */
  labels: Record<string, string>;
}

export { DEFAULT_CLUSTER_DNS };

export interface CoverageOptions extends AnalysisOptions {
  clusterDns?: ClusterDns;
  /** Addresses that are not the internet on top of the private and reserved ranges (a corporate network). */
  internalCidrs?: string[];
}

export interface NamespaceCoverage {
  name: string;
  object?: KubeObject;
  workloads: number;
  /** The NetworkPolicy with an empty podSelector that isolates every pod, present and future, per direction. */
  defaultDeny: Record<Direction, NetworkPolicyModel | undefined>;
}

/** An external range and what a workload may send there. */
export interface ReachedRange {
  range: string;
  conn: string;
}

export interface WorkloadCoverage {
  workload: Workload;
  /** Public ranges it may open connections to. */
  internet: ReachedRange[];
  /** What it may send to every public address: not empty means the internet is open on these ports. */
  internetEverywhere: ConnectionSet;
  /** Port 53 to any address outside the cluster: undefined for the cluster DNS pods themselves. */
  externalDns?: ReachedRange[];
  /** DNS to cluster DNS, and to nothing else. */
  clusterDnsOnly: boolean;
  isClusterDns: boolean;
}

/**
 * What coverage found. Without any policy, the analysis (the topology of every workload) is built
 * when a field that needs it is first read; the policies are read up front.
 */
export interface CoverageResult {
  readonly policies: Policies;
  readonly analysis: Analysis;
  readonly namespaces: NamespaceCoverage[];
  /** Every workload of the topology, in its order (worked out when first read). */
  readonly workloads: WorkloadCoverage[];
  /** One workload's coverage, worked out alone: a scan asks about the few workloads its findings name. */
  coverageOf(workload: Workload): WorkloadCoverage;
  readonly clusterDns: ClusterDns & { inInventory: boolean };
  /** Worked out when first read (from every workload's coverage). */
  readonly metrics: { name: string; value: string | number; detail?: string }[];
  readonly assumptions: Record<string, string>;
  readonly warnings: string[];
}

const DNS = ConnectionSet.of('UDP', 53).union(ConnectionSet.of('TCP', 53));

export function coverage(inventory: Inventory, options: CoverageOptions = {}): CoverageResult {
  const clusterDns = options.clusterDns ?? DEFAULT_CLUSTER_DNS;
  const policies = readPolicies(inventory);
  // The topology (every workload's pod classes) is built when something is read that needs it: a
  // scan without policies asks only about the workloads its findings name, often none.
  let built: Built | undefined;
  const build = (): Built => {
    if (built) return built;
    // Coverage looks at both address families whatever --ipv6 says: an open IPv6 path is a way out too.
    const analysis = analyze(inventory, { ...options, ipv6: true }, policies);
    const namespaces = namespaceCoverage(analysis);
    const of = workloadCoverage(analysis, clusterDns, options.internalCidrs ?? []);
    const dnsInInventory = analysis.topology.workloads.some((workload) => of.isClusterDns(workload));
    built = {
      analysis,
      namespaces,
      of,
      clusterDns: { ...clusterDns, inInventory: dnsInInventory },
      assumptions: {
        ...describeOptions(analysis.analyzer.options),
        internet: `every address but private, loopback, link-local, shared and reserved ranges${options.internalCidrs?.length ? ` and ${options.internalCidrs.join(', ')}` : ''}, IPv4 and IPv6`,
        clusterDns: `pods labelled ${Object.entries(clusterDns.labels).map(([key, value]) => `${key}=${value}`).join(',')} in ${clusterDns.namespace}${dnsInInventory ? '' : ' (not in the sources: assumed to serve 53/UDP and 53/TCP)'}`,
      },
    };
    return built;
  };
  const warningsOf = ({ analysis }: Built) => [...analysis.topology.warnings, ...policies.warnings, ...analysis.analyzer.warnings];
  let workloads: WorkloadCoverage[] | undefined;
  let warnings: string[] | undefined;
  // Policies warn as they are evaluated (a named port towards an address): with any policy, every
  // workload is worked out now, so that the warnings are complete. Without one, nothing can warn
  // but the topology, and only about a workload read from several objects.
  if (policies.networkPolicies.length || policies.admin.length || policies.baseline) {
    workloads = build().of.all();
    warnings = warningsOf(build());
  }
  let metrics: CoverageResult['metrics'] | undefined;
  return {
    policies,
    get analysis() {
      return build().analysis;
    },
    get namespaces() {
      return build().namespaces;
    },
    get workloads() {
      return (workloads ??= build().of.all());
    },
    coverageOf: (workload) => build().of.workload(workload),
    get clusterDns() {
      return build().clusterDns;
    },
    get metrics() {
      return (metrics ??= coverageMetrics(this.namespaces, this.workloads));
    },
    get assumptions() {
      return build().assumptions;
    },
    get warnings() {
      if (!warnings) warnings = built || hasWorkloadOfSeveralObjects(inventory) ? warningsOf(build()) : [...policies.warnings];
      return warnings;
    },
  };
}

interface Built {
  analysis: Analysis;
  namespaces: NamespaceCoverage[];
  of: ReturnType<typeof workloadCoverage>;
  clusterDns: CoverageResult['clusterDns'];
  assumptions: Record<string, string>;
}

/** Namespaces that hold workloads or are declared, and the policy that isolates all their pods, if any. */
function namespaceCoverage(analysis: Analysis): NamespaceCoverage[] {
  const counts = new Map<string, number>();
  for (const workload of analysis.topology.workloads) counts.set(workload.namespace, (counts.get(workload.namespace) ?? 0) + 1);
  const names = [...analysis.topology.namespaces.values()].filter((namespace) => namespace.object || counts.has(namespace.name)).map((namespace) => namespace.name);
  return names.sort().map((name) => {
    const isolating = (direction: Direction) => (analysis.policies.byNamespace.get(name) ?? []).find((policy) => policy.isolates[direction] && isEmptySelector(policy.podSelector));
    return { name, object: analysis.topology.namespaces.get(name)?.object, workloads: counts.get(name) ?? 0, defaultDeny: { ingress: isolating('ingress'), egress: isolating('egress') } };
  });
}

/**
 * What each workload may reach, worked out per pod class on demand (and once): the address space is
 * cut up front, the analyzer is asked only for the classes of the workloads asked about.
 */
function workloadCoverage(analysis: Analysis, clusterDns: ClusterDns, internalCidrs: string[]): { workload: (workload: Workload) => WorkloadCoverage; all: () => WorkloadCoverage[]; isClusterDns: (workload: Workload) => boolean } {
  const { topology, analyzer } = analysis;
  const isDns = (podClass: PodClass) => podClass.namespace === clusterDns.namespace && podClass.variants.some((variant) => mapSelectorMatches(clusterDns.labels, variant.labels));
  const real = topology.classes.filter((podClass) => !podClass.virtual);
  let dnsClasses = real.filter(isDns);
  if (dnsClasses.length === 0) {
    dnsClasses = [addVirtualClass(topology, 'cluster-dns', clusterDns.namespace, clusterDns.labels, [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ])];
  }
  // Cut the whole address space (both families, whatever --ipv6 says) where policies cut it and where the public internet starts and ends.
  const nonPublic = setOfCidrs([...NON_PUBLIC_CIDRS, ...internalCidrs]);
  const pieces = splitAddressSpace([...IPV4_ALL.intervals(), ...IPV6_ALL.intervals()], [...analyzer.egressRanges, ...nonPublic.intervals()]);
  const publicPieces = pieces.filter((piece) => !nonPublic.containsRange(piece.start, piece.end));
  const byClass = new Map<PodClass, Omit<WorkloadCoverage, 'workload'>>();
  const ofClass = (podClass: PodClass): Omit<WorkloadCoverage, 'workload'> => {
    let entry = byClass.get(podClass);
    if (entry) return entry;
    const from: Endpoint = { type: 'pods', podClass };
    const reached = (piece: ExternalRange) => analyzer.allowed(from, { type: 'external', range: piece });
    let everywhere = ConnectionSet.ALL;
    const internet: [ExternalRange, ConnectionSet][] = [];
    for (const piece of publicPieces) {
      const conn = reached(piece);
      everywhere = everywhere.intersect(conn);
      if (!conn.isEmpty) internet.push([piece, conn]);
    }
    const isClusterDns = isDns(podClass);
    let externalDns: ReachedRange[] | undefined;
    let clusterDnsOnly = false;
    if (!isClusterDns) {
      externalDns = mergeAdjacent(pieces.map((piece) => [piece, reached(piece).intersect(DNS)] as [ExternalRange, ConnectionSet]).filter(([, conn]) => !conn.isEmpty));
      clusterDnsOnly = externalDns.length === 0 && dnsClasses.some((dns) => !analyzer.allowed(from, { type: 'pods', podClass: dns }).intersect(DNS).isEmpty);
    }
    entry = { internet: mergeAdjacent(internet), internetEverywhere: everywhere, externalDns, clusterDnsOnly, isClusterDns };
    byClass.set(podClass, entry);
    return entry;
  };
  // A workload may do what any of its pod variants may do. Classes by workload, indexed once: a dump
  // of 100,000 pods must not compare every workload with every class.
  const classesOf = new Map<Workload, PodClass[]>();
  for (const podClass of real) {
    for (const variant of podClass.variants) {
      const classes = classesOf.get(variant.workload) ?? [];
      if (classes[classes.length - 1] !== podClass) classes.push(podClass);
      classesOf.set(variant.workload, classes);
    }
  }
  const byWorkload = new Map<Workload, WorkloadCoverage>();
  const ofWorkload = (workload: Workload): WorkloadCoverage => {
    let coverage = byWorkload.get(workload);
    if (coverage) return coverage;
    const entries = (classesOf.get(workload) ?? []).map(ofClass);
    const first = entries[0];
    coverage = {
      workload,
      internet: entries.flatMap((entry) => entry.internet),
      internetEverywhere: entries.reduce((conn, entry) => conn.union(entry.internetEverywhere), ConnectionSet.NONE),
      externalDns: first?.isClusterDns ? undefined : entries.flatMap((entry) => entry.externalDns ?? []),
      clusterDnsOnly: entries.length > 0 && entries.every((entry) => entry.clusterDnsOnly),
      isClusterDns: first?.isClusterDns ?? false,
    };
    byWorkload.set(workload, coverage);
    return coverage;
  };
  return {
    workload: ofWorkload,
    // Classes in their own order first: the analyzer's warnings come out in that order.
    all: () => {
      for (const podClass of real) ofClass(podClass);
      return topology.workloads.map(ofWorkload);
    },
    isClusterDns: (workload) => {
      const first = classesOf.get(workload)?.[0];
      return first !== undefined && isDns(first);
    },
  };
}

/** Consecutive ranges that allow the same, printed as one: the cuts that found them mean nothing to the reader. */
function mergeAdjacent(entries: [ExternalRange, ConnectionSet][]): ReachedRange[] {
  const merged: [ExternalRange, ConnectionSet][] = [];
  for (const [range, conn] of entries) {
    const last = merged[merged.length - 1];
    if (last && last[0].end + 1n === range.start && familyOf(last[0].end) === familyOf(range.start) && last[1].equals(conn)) last[0] = { start: last[0].start, end: range.end };
    else merged.push([range, conn]);
  }
  return merged.map(([range, conn]) => ({ range: formatRange(range.start, range.end), conn: conn.toString() }));
}

function coverageMetrics(namespaces: NamespaceCoverage[], workloads: WorkloadCoverage[]): CoverageResult['metrics'] {
  const share = (count: number, total: number, what: string) => ({ value: total ? `${Math.round((100 * count) / total)}%` : 'n/a', detail: `${count} of ${total} ${what}` });
  const count = (direction: Direction) => namespaces.filter((namespace) => namespace.defaultDeny[direction]).length;
  const clients = workloads.filter((entry) => !entry.isClusterDns);
  return [
    { name: 'namespaces with default-deny ingress', ...share(count('ingress'), namespaces.length, 'namespaces') },
    { name: 'namespaces with default-deny egress', ...share(count('egress'), namespaces.length, 'namespaces') },
    { name: 'workloads that may reach the internet', ...share(workloads.filter((entry) => entry.internet.length > 0).length, workloads.length, 'workloads') },
    { name: 'workloads that may send DNS to resolvers outside the cluster', ...share(clients.filter((entry) => entry.externalDns?.length).length, clients.length, 'workloads') },
    { name: 'workloads whose DNS goes only through cluster DNS', ...share(clients.filter((entry) => entry.clusterDnsOnly).length, clients.length, 'workloads') },
  ];
}

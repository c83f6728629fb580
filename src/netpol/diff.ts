/**
 * Exposure that one version of the sources opens and the other did not, by the NetworkPolicy engine:
 * for every workload present in both versions, the connections now allowed to and from other
 * workloads and to and from addresses outside the cluster, minus what was allowed before. The
 * address space is cut where either version's policies cut it, so each piece is judged exactly.
 */
import type { Inventory } from '../core/inventory.js';
import { ConnectionSet } from './connections.js';
import type { AnalysisOptions, Endpoint } from './connectivity.js';
import { analyze, type Analysis } from './connlist.js';
import { familyOf, formatRange, IPV4_ALL, IPV6_ALL } from './ip.js';
import { splitAddressSpace, type ExternalRange, type PodClass, type Workload } from './peers.js';

/** A connection allowed now that was not: `from` and `to` are workload ids (`ns/name[Kind]`) or address ranges. */
export interface ExposureChange {
  from: string;
  to: string;
  /** What is newly allowed: `All Connections`, `TCP 443`, … */
  conn: string;
}

function classesOf(analysis: Analysis, workload: Workload): Endpoint[] {
  return analysis.topology.classes
    .filter((podClass: PodClass) => !podClass.virtual && podClass.variants.some((variant) => variant.workload === workload))
    .map((podClass) => ({ type: 'pods', podClass }));
}

function allowedBetween(analysis: Analysis, from: Endpoint[], to: Endpoint[]): ConnectionSet {
  let conn = ConnectionSet.NONE;
  for (const src of from) for (const dst of to) conn = conn.union(analysis.analyzer.allowed(src, dst));
  return conn;
}

/** Every address, or a range: `any address` reads better than 0.0.0.0-255.255.255.255. */
function rangeText(range: ExternalRange, options: AnalysisOptions): string {
  const universes = [IPV4_ALL, ...(options.ipv6 ? [IPV6_ALL] : [])].flatMap((set) => [...set.intervals()]);
  if (universes.some(([start, end]) => start === range.start && end === range.end)) return familyOf(range.start) === 4 && !options.ipv6 ? 'any address' : `any IPv${familyOf(range.start)} address`;
  return formatRange(range.start, range.end);
}

/** Adjacent ranges that gained the same connections, as one range. */
function mergeRanges(entries: [ExternalRange, ConnectionSet][]): [ExternalRange, ConnectionSet][] {
  const merged: [ExternalRange, ConnectionSet][] = [];
  for (const [range, conn] of entries) {
    const last = merged[merged.length - 1];
    if (last && last[0].end + 1n === range.start && familyOf(last[0].end) === familyOf(range.start) && last[1].equals(conn)) last[0] = { start: last[0].start, end: range.end };
    else merged.push([range, conn]);
  }
  return merged;
}

/**
 * Connections `after` allows and `before` did not, for the workloads both versions run (a workload
 * new in `after` is new altogether: its containers and permissions say more than its connections).
 */
export function exposureChanges(before: Inventory, after: Inventory, options: AnalysisOptions = {}): ExposureChange[] {
  const old = analyze(before, options);
  const now = analyze(after, options);
  const oldById = new Map(old.topology.workloads.map((workload) => [workload.id, workload]));
  const both = now.topology.workloads.filter((workload) => oldById.has(workload.id));
  const universe = [...IPV4_ALL.intervals(), ...(options.ipv6 ? IPV6_ALL.intervals() : [])];
  const cuts = (ranges: readonly ExternalRange[]) => ranges.map((range): [bigint, bigint] => [range.start, range.end]);
  const destinations = splitAddressSpace(universe, [...cuts(old.analyzer.destinationRanges), ...cuts(now.analyzer.destinationRanges)]);
  const sources = splitAddressSpace(universe, [...cuts(old.analyzer.sourceRanges), ...cuts(now.analyzer.sourceRanges)]);
  const changes: ExposureChange[] = [];
  const external = (range: ExternalRange): Endpoint[] => [{ type: 'external', range }];
  for (const workload of both) {
    const nowPods = classesOf(now, workload);
    const oldPods = classesOf(old, oldById.get(workload.id)!);
    for (const other of both) {
      if (other === workload) continue;
      const gained = allowedBetween(now, nowPods, classesOf(now, other)).subtract(allowedBetween(old, oldPods, classesOf(old, oldById.get(other.id)!)));
      if (!gained.isEmpty) changes.push({ from: workload.id, to: other.id, conn: gained.toString() });
    }
    const egress = destinations.map((range): [ExternalRange, ConnectionSet] => [range, allowedBetween(now, nowPods, external(range)).subtract(allowedBetween(old, oldPods, external(range)))]);
    for (const [range, conn] of mergeRanges(egress.filter(([, conn]) => !conn.isEmpty))) changes.push({ from: workload.id, to: rangeText(range, options), conn: conn.toString() });
    const ingress = sources.map((range): [ExternalRange, ConnectionSet] => [range, allowedBetween(now, external(range), nowPods).subtract(allowedBetween(old, external(range), oldPods))]);
    for (const [range, conn] of mergeRanges(ingress.filter(([, conn]) => !conn.isEmpty))) changes.push({ from: rangeText(range, options), to: workload.id, conn: conn.toString() });
  }
  return changes;
}

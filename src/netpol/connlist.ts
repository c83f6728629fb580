import type { Inventory } from '../core/inventory.js';
import { ConnectionSet } from './connections.js';
import { Analyzer, describeOptions, type AnalysisOptions, type Endpoint } from './connectivity.js';
import { ingressControllerConnections } from './ingress.js';
import { buildTopology, externalId, type Topology } from './peers.js';
import { readPolicies, selectorsAndPortNames, type Policies } from './policies.js';

/** One line of a connectivity list: `src => dst : conn`. */
export interface Connection {
  src: string;
  dst: string;
  conn: ConnectionSet;
}

/** Everything one analysis of an inventory needs, built once and shared by connlist, reach, coverage and findings. */
export interface Analysis {
  topology: Topology;
  policies: Policies;
  analyzer: Analyzer;
}

export function analyze(inventory: Inventory, options: AnalysisOptions = {}, policies: Policies = readPolicies(inventory)): Analysis {
  const signature = { ...selectorsAndPortNames(policies), ports: inventory.byKind('Ingress', 'Route').length > 0 };
  const topology = buildTopology(inventory, { keepIps: options.ipBlockMatchesPods, signature });
  return { topology, policies, analyzer: new Analyzer(topology, policies, options) };
}

export interface ConnectionList {
  connections: Connection[];
  /** Every workload, connected or not (graph outputs draw them all). */
  workloads: string[];
  assumptions: Record<string, string>;
  warnings: string[];
}

/** Every allowed connection between workloads and to or from external address ranges, sorted by src then dst. */
export function connectionList(inventory: Inventory, options: AnalysisOptions = {}): ConnectionList {
  const analysis = analyze(inventory, options);
  const connections = [...listConnections(analysis), ...ingressControllerConnections(inventory, analysis)];
  return {
    connections: sortConnections(connections),
    workloads: analysis.topology.workloads.map((workload) => workload.id).sort(),
    assumptions: describeOptions(analysis.analyzer.options),
    warnings: [...analysis.topology.warnings, ...analysis.policies.warnings, ...analysis.analyzer.warnings],
  };
}

/** The names an endpoint prints as: the workloads of a class, or one address range. */
export function endpointNames(endpoint: Endpoint): string[] {
  if (endpoint.type === 'external') return [externalId(endpoint.range)];
  return [...new Set(endpoint.podClass.variants.map((variant) => variant.workload.id))];
}

/**
 * Evaluates every pair of classes and address ranges once, then names the pairs by workload. A
 * workload is never paired with itself (netpol-analyzer's convention; a pod may always reach itself),
 * and two address ranges are never paired: policies say nothing about traffic outside the cluster.
 */
export function listConnections({ topology, analyzer }: Analysis): Connection[] {
  const classes: Endpoint[] = topology.classes.filter((podClass) => !podClass.virtual).map((podClass) => ({ type: 'pods', podClass }));
  if (classes.length === 0) return [];
  const sources: Endpoint[] = [...analyzer.sourceRanges.map((range) => ({ type: 'external', range }) as Endpoint), ...classes];
  const destinations: Endpoint[] = [...analyzer.destinationRanges.map((range) => ({ type: 'external', range }) as Endpoint), ...classes];
  const byPair = new Map<string, Connection>();
  const names = new Map<Endpoint, string[]>([...sources, ...destinations].map((endpoint) => [endpoint, endpointNames(endpoint)]));
  for (const src of sources) {
    for (const dst of destinations) {
      if (src.type === 'external' && dst.type === 'external') continue;
      const conn = analyzer.allowed(src, dst);
      if (conn.isEmpty) continue;
      for (const srcName of names.get(src)!) {
        for (const dstName of names.get(dst)!) {
          if (srcName === dstName) continue;
          const key = `${srcName}\u0000${dstName}`;
          const existing = byPair.get(key);
          if (existing) existing.conn = existing.conn.union(conn);
          else byPair.set(key, { src: srcName, dst: dstName, conn });
        }
      }
    }
  }
  return [...byPair.values()];
}

/** By src, then dst, comparing strings byte-wise as netpol-analyzer (Go) does. */
export function sortConnections(connections: Connection[]): Connection[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return connections.sort((a, b) => compare(a.src, b.src) || compare(a.dst, b.dst));
}

export function connectionLine(connection: Connection): string {
  return `${connection.src} => ${connection.dst} : ${connection.conn.toString()}`;
}


import { compareStrings } from '../core/order.js';
import type { Endpoint } from '../netpol/connectivity.js';
import { listConnections, type Analysis } from '../netpol/connlist.js';
import type { CoverageResult } from '../netpol/index.js';
import { MAX_INTERNET_WORKLOADS, MAX_MATRIX_NAMESPACES, type Connectivity } from './model.js';

/**
 * The namespace × namespace heat map: for each ordered pair of namespaces, how many (source
 * workload, destination workload) pairs the policies let connect on some port, out of how many
 * there are (a workload and itself not counted). Namespaces beyond MAX_MATRIX_NAMESPACES (the
 * smallest) fold into one row and column.
 */
export function connectivityMatrix(result: CoverageResult): Connectivity {
  const { topology } = result.analysis;
  const namespaceOf = new Map(topology.workloads.map((workload) => [workload.id, workload.namespace]));
  const sizes = new Map<string, number>();
  for (const workload of topology.workloads) sizes.set(workload.namespace, (sizes.get(workload.namespace) ?? 0) + 1);
  const bySize = [...sizes.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
  const foldedCount = bySize.length > MAX_MATRIX_NAMESPACES ? bySize.length - (MAX_MATRIX_NAMESPACES - 1) : 0;
  const kept = (foldedCount ? bySize.slice(0, MAX_MATRIX_NAMESPACES - 1) : bySize).map(([name]) => name).sort();
  const rows = kept.map((name) => ({ name, workloads: sizes.get(name)! }));
  if (foldedCount) rows.push({ name: `(${foldedCount} other namespaces)`, workloads: bySize.slice(MAX_MATRIX_NAMESPACES - 1).reduce((sum, [, size]) => sum + size, 0) });
  const index = new Map(kept.map((name, position) => [name, position]));
  const rowOf = (namespace: string) => index.get(namespace) ?? rows.length - 1;
  const cells = rows.map((source, i) => rows.map((destination, j) => ({ allowed: 0, possible: source.workloads * destination.workloads - (i === j ? source.workloads : 0) })));
  for (const { source, destination, pairs } of allowedWorkloadPairs(result.analysis)) cells[rowOf(namespaceOf.get(source)!)][rowOf(namespaceOf.get(destination)!)].allowed += pairs;
  const internet = result.workloads.filter((entry) => entry.internet.length > 0);
  return {
    namespaces: rows,
    cells,
    folded: foldedCount,
    internet: internet.slice(0, MAX_INTERNET_WORKLOADS).map((entry) => ({ workload: entry.workload.id, ranges: entry.internet.map((range) => `${range.range} ${range.conn}`) })),
    internetTotal: internet.length,
  };
}


/**
 * The pairs of distinct workloads the policies let connect, counted per pair of equivalence classes: one evaluation per pair of classes, not per pair of workloads. A
 * workload whose pods fall into several classes (pods of one owner labelled differently) makes the
 * class counts overlap: then the exact per-workload list decides.
 */
function* allowedWorkloadPairs(analysis: Analysis): Generator<{ source: string; destination: string; pairs: number }> {
  const classes = analysis.topology.classes.filter((podClass) => !podClass.virtual);
  const members = classes.map((podClass) => [...new Set(podClass.variants.map((variant) => variant.workload.id))]);
  const seen = new Set<string>();
  const split = members.some((ids) => ids.some((id) => (seen.has(id) ? true : (seen.add(id), false))));
  if (split) {
    for (const connection of listConnections(analysis)) if (!connection.src.endsWith('[External]') && !connection.dst.endsWith('[External]')) yield { source: connection.src, destination: connection.dst, pairs: 1 };
    return;
  }
  const endpoints: Endpoint[] = classes.map((podClass) => ({ type: 'pods', podClass }));
  for (let i = 0; i < classes.length; i++) {
    for (let j = 0; j < classes.length; j++) {
      if (analysis.analyzer.allowed(endpoints[i], endpoints[j]).isEmpty) continue;
      // a class holds workloads of one namespace; a workload is never paired with itself
      const pairs = members[i].length * members[j].length - (i === j ? members[i].length : 0);
      if (pairs > 0) yield { source: members[i][0], destination: members[j][0], pairs };
    }
  }
}

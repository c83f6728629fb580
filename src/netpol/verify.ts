/**
 * Generated policies checked by the NetworkPolicy engine, the way a reviewer would with
 * `netpol connlist`: the sources' workloads with the generated policies in place of their own.
 *  - every observed connection (from a DNS log or flows) must be allowed, on all its ports;
 *  - every connection connlist lists to or from a workload of a governed namespace must be one the
 *    policies were written for (observed, derived from Services, DNS, declared), on those ports only.
 * What falls outside either is reported, never hidden: a selector that also selects another
 * workload, or an AdminNetworkPolicy of the sources that denies what was seen.
 */
import { Inventory } from '../core/inventory.js';
import { mapSelectorMatches } from '../core/selector.js';
import { ConnectionSet } from './connections.js';
import type { AnalysisOptions } from './connectivity.js';
import { connectionList, type Connection } from './connlist.js';
import { resolveFlowEnd, type FlowEnd } from './flows.js';
import type { GeneratedPolicies, Need, Site } from './generate.js';
import { NO_IPS, setOfCidrs } from './ip.js';
import { buildTopology, type Workload } from './peers.js';

export interface PolicyVerification {
  /** Observed connections checked (those between ends connlist lists). */
  checked: number;
  /** Observed connections the policies do not allow (or not on every port). */
  notAllowed: { need: Need; missing: ConnectionSet }[];
  /** Connections the policies allow that nothing asked for. */
  unintended: Connection[];
}

function covers(site: Site, end: FlowEnd): boolean {
  switch (site.type) {
    case 'anywhere':
      return true;
    case 'workload':
      return end.type === 'workload' && end.workload.id === site.workload.id;
    case 'external':
      return end.type === 'external' && setOfCidrs(end.cidrs).subtract(setOfCidrs(site.cidrs)).isEmpty;
    case 'pods':
      return end.type === 'workload' && end.workload.namespace === site.namespace && end.workload.variants.some((variant) => mapSelectorMatches(site.selector.matchLabels ?? {}, variant.labels));
  }
}

/** The workloads with the generated policies and no other NetworkPolicy (the output replaces them). */
export function withGeneratedPolicies(inventory: Inventory, generated: GeneratedPolicies): Inventory {
  return Inventory.of([...inventory.objects.filter((object) => object.kind !== 'NetworkPolicy'), ...generated.policies]);
}

export function verifyPolicies(inventory: Inventory, generated: GeneratedPolicies, options: AnalysisOptions = {}): PolicyVerification {
  const applied = withGeneratedPolicies(inventory, generated);
  const list = connectionList(applied, options);
  const { workloads } = buildTopology(applied);
  const end = (name: string) => resolveFlowEnd(name, workloads, 'connlist');
  const governed = new Set(generated.namespaces);
  const isGoverned = (point: FlowEnd) => point.type === 'workload' && governed.has(point.workload.namespace);
  const listed = list.connections.map((connection) => ({ connection, src: end(connection.src), dst: end(connection.dst) }));

  const unintended: Connection[] = [];
  for (const { connection, src, dst } of listed) {
    if (!isGoverned(src) && !isGoverned(dst)) continue;
    let intended = ConnectionSet.NONE;
    for (const need of generated.needs) if (covers(need.src, src) && covers(need.dst, dst)) intended = intended.union(need.conn);
    const extra = connection.conn.subtract(intended);
    if (!extra.isEmpty) unintended.push({ src: connection.src, dst: connection.dst, conn: extra });
  }

  const notAllowed: PolicyVerification['notAllowed'] = [];
  let checked = 0;
  const byId = (workload: Workload) => workloads.find((candidate) => candidate.id === workload.id);
  // Addresses reached from (or reaching) a workload on every port of a need: the pieces the policies cut the space into.
  const reachedAddresses = (workloadId: string, side: 'dst' | 'src', conn: ConnectionSet) => {
    let reached = NO_IPS;
    for (const entry of listed) {
      const [own, other] = side === 'dst' ? [entry.connection.src, entry.dst] : [entry.connection.dst, entry.src];
      if (own !== workloadId || other.type !== 'external' || !conn.subtract(entry.connection.conn).isEmpty) continue;
      reached = reached.union(setOfCidrs(other.cidrs));
    }
    return reached;
  };
  for (const need of generated.needs) {
    if (!need.observed) continue;
    const { src, dst } = need;
    if (src.type === 'workload' && dst.type === 'workload') {
      if (!byId(src.workload) || !byId(dst.workload)) continue;
      checked++;
      const allowed = listed.find((entry) => entry.connection.src === src.workload.id && entry.connection.dst === dst.workload.id)?.connection.conn ?? ConnectionSet.NONE;
      const missing = need.conn.subtract(allowed);
      if (!missing.isEmpty) notAllowed.push({ need, missing });
    } else if (src.type === 'workload' && dst.type === 'external' && byId(src.workload)) {
      checked++;
      if (!setOfCidrs(dst.cidrs).subtract(reachedAddresses(src.workload.id, 'dst', need.conn)).isEmpty) notAllowed.push({ need, missing: need.conn });
    } else if (src.type === 'external' && dst.type === 'workload' && byId(dst.workload)) {
      checked++;
      if (!setOfCidrs(src.cidrs).subtract(reachedAddresses(dst.workload.id, 'src', need.conn)).isEmpty) notAllowed.push({ need, missing: need.conn });
    }
  }
  return { checked, notAllowed, unintended };
}

import { ConnectionSet } from '../netpol/connections.js';
import { listConnections, type Analysis } from '../netpol/connlist.js';
import { resolveFlowEnd, type DeclaredFlow, type FlowEnd } from '../netpol/flows.js';
import { setOfCidrs } from '../netpol/ip.js';

/**
 * The Limit stage against the declared flows (`--flows`, the shape `netpol generate --from` reads):
 * connections from workloads the policies allow beyond what was declared (the room a compromised
 * pod has), and
 * declared flows the policies would block (what a tightening broke).
 */
export interface FlowCheck {
  beyond: { src: string; dst: string; conn: string }[];
  blocked: { src: string; dst: string; conn: string }[];
}

function covers(declared: FlowEnd, actual: FlowEnd): boolean {
  if (declared.type === 'anywhere') return true;
  if (declared.type === 'workload') return actual.type === 'workload' && actual.workload.id === declared.workload.id;
  return actual.type === 'external' && setOfCidrs(actual.cidrs).subtract(setOfCidrs(declared.cidrs)).isEmpty;
}

export function checkFlows(analysis: Analysis, flows: readonly DeclaredFlow[]): FlowCheck {
  const workloads = analysis.topology.workloads;
  const declared = flows.map((flow) => ({ flow, src: resolveFlowEnd(flow.src, workloads, flow.where), dst: resolveFlowEnd(flow.dst, workloads, flow.where) }));
  const listed = listConnections(analysis).map((connection) => ({ connection, src: resolveFlowEnd(connection.src, workloads, 'connlist'), dst: resolveFlowEnd(connection.dst, workloads, 'connlist') }));
  const beyond: FlowCheck['beyond'] = [];
  for (const { connection, src, dst } of listed) {
    // what a compromised pod could do: connections it opens (traffic arriving from outside is the ingress's business)
    if (src.type !== 'workload') continue;
    let intended = ConnectionSet.NONE;
    for (const entry of declared) if (covers(entry.src, src) && covers(entry.dst, dst)) intended = intended.union(entry.flow.conn);
    const extra = connection.conn.subtract(intended);
    if (!extra.isEmpty) beyond.push({ src: connection.src, dst: connection.dst, conn: extra.toString() });
  }
  const blocked: FlowCheck['blocked'] = [];
  for (const { flow, src, dst } of declared) {
    if (src.type !== 'workload') continue;
    const from = listed.filter((entry) => entry.connection.src === src.workload.id);
    if (dst.type === 'workload') {
      const allowed = from.find((entry) => entry.connection.dst === dst.workload.id)?.connection.conn ?? ConnectionSet.NONE;
      const missing = flow.conn.subtract(allowed);
      if (!missing.isEmpty) blocked.push({ src: flow.src, dst: flow.dst, conn: missing.toString() });
    } else if (dst.type === 'external') {
      // the address space is cut where the policies cut it: every piece inside the CIDRs must carry the ports
      let reached = setOfCidrs([]);
      for (const entry of from) if (entry.dst.type === 'external' && flow.conn.subtract(entry.connection.conn).isEmpty) reached = reached.union(setOfCidrs(entry.dst.cidrs));
      if (!setOfCidrs(dst.cidrs).subtract(reached).isEmpty) blocked.push({ src: flow.src, dst: flow.dst, conn: flow.conn.toString() });
    }
  }
  return { beyond, blocked };
}

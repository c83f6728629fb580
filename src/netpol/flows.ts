import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { parseYamlDocument } from '../load/yaml-document.js';
import { ConnectionSet } from './connections.js';
import { INGRESS_CONTROLLER } from './ingress.js';
import { parseAddress, parseCidr, rangeToCidrs } from './ip.js';
import type { Workload } from './peers.js';

/**
 * Declared flows for `netpol generate --from`: the connections workloads need, in the very shape
 * connlist prints them, so a reviewed `connlist --format json` is a valid flows file.
 *
 *     connections:
 *       - src: shop/frontend            # ns/name or ns/name[Kind]: a workload
 *         dst: shop/backend
 *         conn: TCP 8080                # "All Connections", or e.g. "TCP 80,443,UDP 53"
 *       - src: shop/backend
 *         dst: 203.0.113.0/24           # a CIDR, an address, or a-b[External]
 *         conn: TCP 443
 *
 * A plain list of the same entries works too. `conn` may be left out: all connections.
 * `{ingress-controller}` as a source means anyone: where the controller runs is not in the sources.
 */
export interface DeclaredFlow {
  src: string;
  dst: string;
  conn: ConnectionSet;
  /** `connections[3]`, for messages. */
  where: string;
}

/** An end of a flow: a workload, external addresses as CIDRs, or anyone (the ingress controller, which may run anywhere). */
export type FlowEnd = { type: 'workload'; workload: Workload } | { type: 'external'; cidrs: string[]; label: string; /** DNS names seen for the addresses (flows). */ names?: string[] } | { type: 'anywhere' };

export function parseFlows(text: string, file: string): DeclaredFlow[] {
  const value = parseYamlDocument(text, { file, schema: 'core' });
  const list = Array.isArray(value) ? value : isRecord(value) ? value.connections : undefined;
  if (!Array.isArray(list)) throw new InputError(`${file}: expected a "connections:" list of {src, dst, conn} (see docs/netpol.md)`);
  return list.map((entry, index) => {
    const where = `${file}: connections[${index}]`;
    if (!isRecord(entry) || typeof entry.src !== 'string' || typeof entry.dst !== 'string') throw new InputError(`${where}: needs src and dst strings`);
    if (entry.conn !== undefined && typeof entry.conn !== 'string') throw new InputError(`${where}: conn must be a string such as "TCP 8080"`);
    let conn: ConnectionSet;
    try {
      conn = entry.conn === undefined ? ConnectionSet.ALL : ConnectionSet.parse(entry.conn);
    } catch (error) {
      throw new InputError(`${where}: ${(error as Error).message}`);
    }
    return { src: entry.src.trim(), dst: entry.dst.trim(), conn, where };
  });
}

/** A flow end as written: a workload of the sources, or addresses. Unknown names are the user's mistake. */
export function resolveFlowEnd(text: string, workloads: readonly Workload[], where: string): FlowEnd {
  if (text === INGRESS_CONTROLLER) return { type: 'anywhere' };
  const range = /^(.+)-(.+)\[External\]$/.exec(text);
  if (range) {
    const [start, end] = [parseAddress(range[1]), parseAddress(range[2])];
    if (start === undefined || end === undefined || start > end) throw new InputError(`${where}: "${text}" is not an address range`);
    return { type: 'external', cidrs: rangeToCidrs(start, end), label: text };
  }
  const address = parseAddress(text);
  if (address !== undefined) return { type: 'external', cidrs: rangeToCidrs(address, address), label: text };
  if (/^[0-9a-fA-F:.]+\/\d+$/.test(text)) {
    const cidr = parseCidr(text);
    if (typeof cidr === 'string') throw new InputError(`${where}: ${cidr}`);
    return { type: 'external', cidrs: rangeToCidrs(cidr.start, cidr.end), label: text };
  }
  const exact = workloads.filter((workload) => workload.id === text);
  const matches = exact.length ? exact : workloads.filter((workload) => `${workload.namespace}/${workload.name}` === text);
  if (matches.length === 1) return { type: 'workload', workload: matches[0] };
  if (matches.length > 1) throw new InputError(`${where}: "${text}" is ambiguous: ${matches.map((workload) => workload.id).join(', ')}`);
  throw new InputError(`${where}: no workload "${text}" in the sources (write ns/name or ns/name[Kind], or a CIDR)`);
}

import { escapeControl } from '../core/sanitize.js';
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { isProtocol, type Protocol } from './connections.js';
import { describeOptions, type AnalysisOptions, type DirectionVerdict, type Endpoint } from './connectivity.js';
import { analyze, type Analysis } from './connlist.js';
import { parseAddress, parseCidr } from './ip.js';
import { externalId, type ExternalRange, type PodClass, type Workload } from './peers.js';

/** `netpol reach`: may SRC open a connection to DST on one port, and which policies decide it. */
export interface ReachQuery {
  src: string;
  dst: string;
  /** A number, or a port name looked up in the destination workload's container ports. */
  port: string;
  protocol?: string;
}

export interface ReachResult {
  src: string;
  dst: string;
  protocol: Protocol;
  port: number;
  allowed: boolean;
  /** Egress at the source, then ingress at the destination. */
  verdicts: DirectionVerdict[];
  assumptions: Record<string, string>;
  warnings: string[];
}

interface ResolvedPeer {
  name: string;
  workload?: Workload;
  /** The `node` peer: a pod's own node. */
  node?: boolean;
  endpoints: Endpoint[];
}

export const NODE_PEER = 'node';

export function reach(inventory: Inventory, query: ReachQuery, options: AnalysisOptions = {}): ReachResult {
  const analysis = analyze(inventory, options);
  const src = resolvePeer(analysis, query.src);
  const dst = resolvePeer(analysis, query.dst);
  const { protocol, port } = resolvePort(query, dst);
  const result = (verdicts: DirectionVerdict[]): ReachResult => ({
    src: src.name,
    dst: dst.name,
    protocol,
    port,
    allowed: verdicts.length > 0 && verdicts.every((verdict) => verdict.allowed),
    verdicts,
    assumptions: describeOptions(analysis.analyzer.options),
    warnings: [...analysis.topology.warnings, ...analysis.policies.warnings, ...analysis.analyzer.warnings],
  });
  if ((src.node || dst.node) && analysis.analyzer.options.nodeTraffic === 'allowed') {
    const reasons = ['Kubernetes always allows traffic between a pod and its own node (kubelet probes); --node-traffic policy judges it by policies instead'];
    return result((['egress', 'ingress'] as const).map((direction) => ({ direction, allowed: true, reasons })));
  }
  let verdicts: DirectionVerdict[] | undefined;
  // A workload whose pods differ (variants) may do what any of its pods may do: the first pair that is allowed explains it.
  for (const from of src.endpoints) {
    for (const to of dst.endpoints) {
      const candidate = analysis.analyzer.explain(from, to, protocol, port);
      if (!verdicts || candidate.every((verdict) => verdict.allowed)) verdicts = candidate;
      if (candidate.every((verdict) => verdict.allowed)) break;
    }
  }
  return result(verdicts ?? []);
}

/** `ns/name[Kind]`, `ns/name`, `name` (when unique), an IP address, a CIDR, or `node`. */
function resolvePeer(analysis: Analysis, text: string): ResolvedPeer {
  if (text === NODE_PEER) {
    // Judged by policies, the node is its address: --node-cidr, else an address no specific ipBlock names.
    const cidr = parseCidr(analysis.analyzer.options.nodeCidr ?? '0.0.0.0/0');
    if (typeof cidr === 'string') throw new InputError(`--node-cidr: ${cidr}`);
    return { name: '{node}', node: true, endpoints: [{ type: 'external', range: { start: cidr.start, end: cidr.end } }] };
  }
  const range = addressRange(text);
  if (range) return { name: externalId(range), endpoints: [{ type: 'external', range }] };
  const workloads = analysis.topology.workloads;
  let matches = workloads.filter((workload) => workload.id === text);
  if (!matches.length) matches = workloads.filter((workload) => `${workload.namespace}/${workload.name}` === text);
  if (!matches.length && !text.includes('/')) matches = workloads.filter((workload) => workload.name === text);
  if (matches.length === 0) {
    throw new InputError(`no workload or IP address "${text}" (name workloads as ns/name or ns/name[Kind]${workloads.length ? `, e.g. ${workloads[0].id}` : ''})`);
  }
  if (matches.length > 1) throw new InputError(`"${text}" is ambiguous: ${matches.map((workload) => workload.id).join(', ')}`);
  const workload = matches[0];
  const classes = analysis.topology.classes.filter((podClass: PodClass) => !podClass.virtual && podClass.variants.some((variant) => variant.workload === workload));
  return { name: workload.id, workload, endpoints: classes.map((podClass) => ({ type: 'pods', podClass })) };
}

function addressRange(text: string): ExternalRange | undefined {
  const address = parseAddress(text);
  if (address !== undefined) return { start: address, end: address };
  const cidr = text.includes('/') ? parseCidr(text) : undefined;
  return cidr === undefined || typeof cidr === 'string' ? undefined : { start: cidr.start, end: cidr.end };
}

function resolvePort(query: ReachQuery, dst: ResolvedPeer): { protocol: Protocol; port: number } {
  const protocolText = query.protocol?.toUpperCase();
  if (protocolText !== undefined && !isProtocol(protocolText)) throw new InputError(`--protocol must be TCP, UDP or SCTP, not "${query.protocol}"`);
  if (/^\d+$/.test(query.port)) {
    const port = Number(query.port);
    if (port < 1 || port > 65535) throw new InputError(`--port ${query.port} is not a port 1-65535`);
    return { protocol: protocolText ?? 'TCP', port };
  }
  if (!dst.workload) throw new InputError(`--port "${query.port}" is a port name: only a workload destination has named ports`);
  const named = dst.workload.variants.flatMap((variant) => variant.ports).find((port) => port.name === query.port && (!protocolText || port.protocol === protocolText));
  if (!named) throw new InputError(`${dst.name} has no container port named "${query.port}"${protocolText ? ` on ${protocolText}` : ''}`);
  return { protocol: named.protocol, port: named.port };
}

/** The answer a person reads: the verdict line, then why in each direction, then what was assumed. */
export function renderReach(result: ReachResult): string {
  const lines = [`${result.allowed ? 'allowed' : 'denied'}: ${result.src} => ${result.dst} : ${result.protocol} ${result.port}`];
  for (const verdict of result.verdicts) {
    const where = verdict.direction === 'egress' ? `egress from ${result.src}` : `ingress to ${result.dst}`;
    lines.push(`  ${where}: ${verdict.allowed ? 'allowed' : 'denied'}`);
    for (const reason of verdict.reasons) lines.push(`    - ${reason}`);
  }
  lines.push('  assumptions:', ...Object.entries(result.assumptions).map(([name, text]) => `    - ${name}: ${text}`));
  // One entry, one line: names from the inputs cannot add lines or move the cursor.
  return lines.map(escapeControl).join('\n') + '\n';
}

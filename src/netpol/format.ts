import { InputError } from '../core/errors.js';
import { escapeControl } from '../core/sanitize.js';
import { VERSION } from '../core/version.js';
import { connectionLine, type ConnectionList } from './connlist.js';
import { INGRESS_CONTROLLER } from './ingress.js';
import { CONNLIST_FORMATS } from './defaults.js';

/**
 * The connlist outputs. `txt` is netpol-analyzer's line format (`src => dst : conn`) and nothing
 * else, so it diffs against netpol-analyzer's expected outputs; the others also say what was assumed.
 */
export { CONNLIST_FORMATS };
export type ConnlistFormat = (typeof CONNLIST_FORMATS)[number];

export function renderConnlist(list: ConnectionList, format: string): string {
  switch (format) {
    case 'txt':
      return list.connections.map((connection) => `${escapeControl(connectionLine(connection))}\n`).join('');
    case 'json':
      return connlistJson(list);
    case 'csv':
      return ['src,dst,conn', ...list.connections.map((connection) => [connection.src, connection.dst, connection.conn.toString()].map(csvField).join(','))].join('\n') + '\n';
    case 'md':
      return connlistMarkdown(list);
    case 'dot':
      return connlistDot(list);
    default:
      throw new InputError(`unknown format "${format}" (use ${CONNLIST_FORMATS.join(', ')})`);
  }
}

/** `{kubeward, assumptions, connections: [{src, dst, conn}], warnings}`: `connections` is also what `generate --from` reads. */
function connlistJson(list: ConnectionList): string {
  const body: Record<string, unknown> = {
    kubeward: VERSION,
    assumptions: list.assumptions,
    connections: list.connections.map((connection) => ({ src: connection.src, dst: connection.dst, conn: connection.conn.toString() })),
  };
  if (list.warnings.length) body.warnings = list.warnings;
  return JSON.stringify(body, null, 2) + '\n';
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling inner quotes. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** For a pull request: a count, a table that reads top to bottom, the assumptions and warnings folded away. */
function connlistMarkdown(list: ConnectionList): string {
  const cell = (text: string) => escapeControl(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;'));
  const out = ['### kubeward netpol connlist', ''];
  out.push(`**${list.connections.length} allowed connection${list.connections.length === 1 ? '' : 's'}** between ${list.workloads.length} workload${list.workloads.length === 1 ? '' : 's'} and external addresses.`, '');
  if (list.connections.length) {
    out.push('| src | dst | conn |', '| --- | --- | --- |');
    for (const connection of list.connections) out.push(`| ${cell(connection.src)} | ${cell(connection.dst)} | ${cell(connection.conn.toString())} |`);
    out.push('');
  }
  out.push('<details><summary>Assumptions</summary>', '', ...Object.entries(list.assumptions).map(([name, text]) => `- **${name}**: ${cell(text)}`), '', '</details>', '');
  if (list.warnings.length) {
    out.push(`<details><summary>${list.warnings.length} warning${list.warnings.length === 1 ? '' : 's'}</summary>`, '');
    for (const warning of list.warnings) out.push(`- ${cell(warning)}`);
    out.push('', '</details>', '');
  }
  out.push(`<sub>kubeward ${VERSION}</sub>`, '');
  return out.join('\n');
}

/** A Graphviz quoted ID: every `"` and `\` escaped, nothing else to fear inside quotes. */
export function dotId(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Graphviz: one cluster per namespace holding its workloads (all of them, connected or not),
 * external ranges as ellipses, the ingress controller as a hexagon, edges labelled with the connections.
 */
function connlistDot(list: ConnectionList): string {
  const out = ['digraph kubeward_connlist {', `  graph [rankdir=LR, newrank=true, fontname="Helvetica", label=${dotId(`kubeward netpol connlist (${Object.values(list.assumptions).join('; ')})`)}, labelloc=b, fontsize=10];`, '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  const byNamespace = new Map<string, string[]>();
  for (const workload of list.workloads) {
    const namespace = workload.slice(0, workload.indexOf('/'));
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), workload]);
  }
  [...byNamespace.keys()].sort().forEach((namespace, index) => {
    out.push(`  subgraph cluster_${index} {`, `    label=${dotId(namespace)}; style=rounded; color=gray50;`);
    for (const workload of byNamespace.get(namespace) ?? []) out.push(`    ${dotId(workload)} [label=${dotId(workload.slice(namespace.length + 1))}, shape=box, style=rounded];`);
    out.push('  }');
  });
  const others = new Set<string>();
  for (const connection of list.connections) for (const peer of [connection.src, connection.dst]) if (peer.endsWith('[External]') || peer === INGRESS_CONTROLLER) others.add(peer);
  for (const peer of [...others].sort()) {
    out.push(peer === INGRESS_CONTROLLER ? `  ${dotId(peer)} [label="ingress controller", shape=hexagon, color=darkgreen];` : `  ${dotId(peer)} [label=${dotId(peer.replace(/\[External\]$/, ''))}, shape=ellipse, color=red3];`);
  }
  for (const connection of list.connections) out.push(`  ${dotId(connection.src)} -> ${dotId(connection.dst)} [label=${dotId(connection.conn.toString())}];`);
  out.push('}', '');
  return out.join('\n');
}

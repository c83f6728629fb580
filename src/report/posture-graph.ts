/**
 * The RBAC graph as static SVG: dagre lays the four columns out (subjects → bindings → roles →
 * risky permissions, crossings reduced), this file only writes the boxes and the edges dagre
 * routed. Static markup needs no script to show and no inline style; the page's script only filters.
 */
import dagre from '@dagrejs/dagre';
import type { RbacGraph, RbacNode } from '../posture/model.js';
import { html } from './html.js';

const CHAR_WIDTH = 6.6;
const MAX_LABEL = 40;
const NODE_HEIGHT = 26;
const COLUMN_TITLES: Record<RbacNode['type'], string> = { subject: 'subjects', binding: 'bindings', role: 'roles', permission: 'risky permissions' };

function shortLabel(node: RbacNode): string {
  const label = node.type === 'subject' && node.escalation ? `⚠ ${node.label}` : node.label;
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

export function rbacGraphSvg(graph: RbacGraph): string {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'LR', nodesep: 8, ranksep: 56, marginx: 12, marginy: 34 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) layout.setNode(node.id, { width: Math.ceil(shortLabel(node).length * CHAR_WIDTH) + 20, height: NODE_HEIGHT });
  for (const link of graph.links) layout.setEdge(link.source, link.target);
  dagre.layout(layout);
  const size = layout.graph();
  const width = Math.ceil(size.width ?? 0);
  const height = Math.ceil(size.height ?? 0);

  // short ids in the markup (the JSON report keeps the long ones): n0, n1, …
  const shortId = new Map(graph.nodes.map((node, index) => [node.id, `n${index}`]));
  const columns = new Map<RbacNode['type'], number>();
  const edges = graph.links.map((link) => {
    const points = (layout.edge(link.source, link.target) as { points?: { x: number; y: number }[] } | undefined)?.points ?? [];
    const d = points.map((point, index) => `${index ? 'L' : 'M'}${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ');
    return `<path class="link${link.escalation ? ' esc' : ''}" d="${d}" data-source="${shortId.get(link.source)}" data-target="${shortId.get(link.target)}"/>`;
  });
  const nodes = graph.nodes.map((node) => {
    const box = layout.node(node.id);
    const left = box.x - box.width / 2;
    const top = box.y - box.height / 2;
    if (!columns.has(node.type)) columns.set(node.type, box.x);
    const title = [node.label, node.namespace ? `namespace ${node.namespace}` : '', node.severity ? `worst severity ${node.severity}` : '', node.escalation ? `escalates to ${node.escalation.goal}: ${node.escalation.steps.join(' → ')}` : '', node.moreBindings ? `${node.moreBindings} more bindings not drawn` : '']
      .filter(Boolean)
      .join('; ');
    // subjects take focus and carry what the filter reads; <title> names every node for assistive technology
    const subject = node.type === 'subject' ? ` tabindex="0" role="listitem" data-search="${html(`${node.label} ${node.namespace}`.toLowerCase())}" data-escalates="${node.escalation ? 'true' : 'false'}"` : '';
    const classes = `node ${node.type}${node.escalation ? ' esc' : ''}`;
    return `<g class="${classes}" data-node="${shortId.get(node.id)}" data-type="${node.type}"${subject}><title>${html(title)}</title><rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${box.width}" height="${box.height}" rx="4"/><text x="${(left + 10).toFixed(1)}" y="${(box.y + 4).toFixed(1)}">${html(shortLabel(node))}</text></g>`;
  });
  const headings = [...columns.entries()].map(([type, x]) => `<text class="column" x="${x.toFixed(1)}" y="18" text-anchor="middle">${COLUMN_TITLES[type]}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="list" aria-label="RBAC graph: subjects, bindings, roles and risky permissions">${headings.join('')}<g class="links" aria-hidden="true">${edges.join('')}</g>${nodes.join('')}</svg>`;
}

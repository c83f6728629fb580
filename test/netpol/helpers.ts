import { readFileSync } from 'node:fs';
import { inventoryFromText } from '../../src/load/sources.js';
import { connectionList, type AnalysisOptions } from '../../src/netpol/index.js';

/**
 * A small world for semantic tables: namespaces x (team=red) and z (team=blue), pods x/a, x/b, z/c
 * with named container ports. Without policies every ordered pair, and every pod with the outside,
 * has All Connections.
 */
export const WORLD = `
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {team: red}}
---
apiVersion: v1
kind: Namespace
metadata: {name: z, labels: {team: blue}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a, tier: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}, {name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b, tier: api}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: z, labels: {pod: c, tier: api}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 81}, {name: sctp, containerPort: 7000, protocol: SCTP}]}]}
`;

export const A = 'x/a[Pod]';
export const B = 'x/b[Pod]';
export const C = 'z/c[Pod]';
export const EXTERNAL = '0.0.0.0-255.255.255.255[External]';

/** `src => dst` → conn for every allowed connection of the inventory the YAML makes. */
export function connectionsOf(yaml: string, options: AnalysisOptions = {}): Map<string, string> {
  const { inventory } = inventoryFromText(yaml);
  const list = connectionList(inventory, options);
  return new Map(list.connections.map((connection) => [`${connection.src} => ${connection.dst}`, connection.conn.toString()]));
}

/**
 * The WORLD baseline (everything allowed) with the given pairs changed: a string is the expected
 * conn, null means no line at all. External peers are the whole IPv4 space unless `sources` or
 * `destinations` list the ranges the policies cut it into.
 */
export function worldExpecting(changes: Record<string, string | null>, ranges: { sources?: string[]; destinations?: string[] } = {}): Map<string, string> {
  const expected = new Map<string, string>();
  const pods = [A, B, C];
  for (const src of [...pods, ...(ranges.sources ?? [EXTERNAL])]) {
    for (const dst of [...pods, ...(ranges.destinations ?? [EXTERNAL])]) {
      if (src !== dst && !(src.endsWith('[External]') && dst.endsWith('[External]'))) expected.set(`${src} => ${dst}`, 'All Connections');
    }
  }
  for (const [pair, conn] of Object.entries(changes)) {
    if (conn === null) expected.delete(pair);
    else expected.set(pair, conn);
  }
  return expected;
}

export function sorted(map: Map<string, string>): [string, string][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const SHOP = new URL('./fixtures/shop.yaml', import.meta.url).pathname;

/** The shop fixture without its NetworkPolicies: generated policies replace them. */
export function shopWorkloadsOnly(): string {
  return readFileSync(SHOP, 'utf8')
    .split(/^---$/m)
    .filter((document) => !/^kind: NetworkPolicy$/m.test(document))
    .join('---');
}

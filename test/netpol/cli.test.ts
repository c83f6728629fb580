import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFromText } from '../../src/load/sources.js';
import { parseNetworkPolicy } from '../../src/netpol/policy.js';
import { runCli } from '../helpers/cli.js';

/** The `kubeward netpol` contracts: formats, exit codes, one-line errors. */
const SHOP = new URL('./fixtures/shop.yaml', import.meta.url).pathname;
const FLOWS = new URL('./fixtures/flows.yaml', import.meta.url).pathname;

/**
 * Graphviz syntax, checked structurally: `digraph name { … }`, statements ending in `;`, IDs quoted
 * with escapes, balanced braces, and every edge between declared nodes (clusters hold the workloads).
 */
function dotProblems(text: string): string[] {
  const problems: string[] = [];
  if (!/^digraph [A-Za-z_][A-Za-z0-9_]* \{\n/.test(text) || !text.endsWith('}\n')) problems.push('not a digraph { … } document');
  const nodes = new Set<string>();
  let depth = 0;
  for (const line of text.split('\n').slice(1, -2)) {
    const trimmed = line.trim();
    const unquoted = trimmed.replace(/"(?:[^"\\]|\\.)*"/g, 'ID');
    if (/"/.test(unquoted)) problems.push(`unbalanced quotes: ${trimmed}`);
    if (unquoted.endsWith('{')) depth++;
    else if (unquoted === '}') depth--;
    else if (!unquoted.endsWith(';')) problems.push(`statement without ";": ${trimmed}`);
    const node = /^("(?:[^"\\]|\\.)*") \[/.exec(trimmed);
    if (node) nodes.add(node[1]);
    const edge = /^("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") \[label=/.exec(trimmed);
    if (edge) for (const end of [edge[1], edge[2]]) if (!nodes.has(end)) problems.push(`edge to an undeclared node ${end}`);
    if (depth < 0) problems.push('unbalanced braces');
  }
  if (depth !== 0) problems.push('unbalanced braces');
  return problems;
}

describe('kubeward netpol connlist', () => {
  it('prints netpol-analyzer lines, reading stdin too', async () => {
    const result = await runCli(['netpol', 'connlist', '-', '-q'], { input: readFileSync(SHOP, 'utf8') });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toContain('shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000');
    expect(result.stdout.split('\n').filter(Boolean).every((line) => / => .+ : /.test(line))).toBe(true);
  });

  it('json says what it assumed and lists {src, dst, conn}', async () => {
    const result = await runCli(['netpol', 'connlist', SHOP, '--format', 'json', '--ipv6', '--host-network', 'node']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.assumptions).toMatchObject({ addresses: 'IPv4 and IPv6 (--ipv6)', hostNetwork: expect.stringContaining('--host-network node') });
    expect(body.connections).toContainEqual({ src: 'shop/frontend[Deployment]', dst: '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]', conn: 'TCP 443' });
  });

  it('csv quotes connection sets that hold commas', async () => {
    const result = await runCli(['netpol', 'connlist', SHOP, '--format', 'csv', '-q']);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('src,dst,conn');
    expect(lines).toContain('shop/backend[Deployment],kube-system/coredns[Deployment],"TCP 53,UDP 53"');
  });

  it('md is a table for a pull request, with the assumptions folded away', async () => {
    const result = await runCli(['netpol', 'connlist', SHOP, '--format', 'md', '-q']);
    const rows = result.stdout.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| src') && !line.startsWith('| ---'));
    expect(result.stdout).toMatch(/^### kubeward netpol connlist\n\n\*\*\d+ allowed connections\*\* between 4 workloads/);
    expect(rows).toContain('| shop/frontend[Deployment] | shop/backend[Deployment] | TCP 9000 |');
    expect(result.stdout).toContain('<details><summary>Assumptions</summary>');
  });

  it('dot is valid Graphviz (rendered by dot when it is installed)', async () => {
    const result = await runCli(['netpol', 'connlist', SHOP, '--format', 'dot', '-q']);
    expect(result.code).toBe(0);
    expect(dotProblems(result.stdout)).toEqual([]);
    expect(result.stdout).toContain('subgraph cluster_1 {\n    label="shop";');
    const dot = spawnSync('dot', ['-Tsvg'], { input: result.stdout, encoding: 'utf8' });
    if (!dot.error) {
      expect(dot.stderr).toBe('');
      expect(dot.stdout).toContain('<svg');
    }
  });

  it.each([
    [['netpol', 'connlist', SHOP, '--format', 'yaml'], /argument 'yaml' is invalid/],
    [['netpol', 'connlist', '/no/such/dir'], /^kubeward: \/no\/such\/dir: no such file or directory\n$/],
    [['netpol', 'connlist'], /missing required argument/],
  ])('exits 2 with one line on bad input: %j', async (args, message) => {
    const result = await runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('kubeward netpol reach', () => {
  it('exits 0 when allowed and names the rules that allow it', async () => {
    const result = await runCli(['netpol', 'reach', 'shop/frontend', 'shop/backend', '--port', '9000', SHOP, '-q']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('allowed: shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000');
    expect(result.stdout).toContain('allowed by NetworkPolicy shop/frontend egress rule #2');
    expect(result.stdout).toContain('allowed by NetworkPolicy shop/backend ingress rule #1');
    expect(result.stdout).toMatch(/assumptions:\n {4}- ipBlocks:/);
  });

  it('exits 1 when denied, resolving a named port on the destination, json on request', async () => {
    const result = await runCli(['netpol', 'reach', 'shop/worker', 'shop/backend', '--port', 'api', SHOP, '--format', 'json', '-q']);
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ allowed: false, protocol: 'TCP', port: 9000 });
    expect(body.verdicts).toEqual([
      { direction: 'egress', allowed: true, reasons: ['allowed: no NetworkPolicy isolates it for egress'] },
      { direction: 'ingress', allowed: false, reasons: ['denied: isolated for ingress by NetworkPolicy shop/default-deny-ingress, shop/backend, and no rule of them allows it'] },
    ]);
  });

  it('answers for an address: DNS from the worker to a public resolver', async () => {
    const result = await runCli(['netpol', 'reach', 'shop/worker', '8.8.8.8', '--port', '53', '--protocol', 'UDP', SHOP, '-q']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('allowed: shop/worker[Deployment] => 8.8.8.8-8.8.8.8[External] : UDP 53');
    expect(result.stdout).toContain('no policy applies to addresses outside the cluster');
  });

  it.each([
    [['shop/nope', 'shop/backend', '--port', '80'], /^kubeward: no workload or IP address "shop\/nope"/],
    [['shop/worker', '8.8.8.8', '--port', 'dns'], /^kubeward: --port "dns" is a port name: only a workload destination has named ports/],
    [['shop/worker', 'shop/backend'], /required option '--port <port>' not specified/],
  ])('exits 2 on a bad question: %j', async (args, message) => {
    const result = await runCli(['netpol', 'reach', ...(args as string[]), SHOP, '-q']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('kubeward netpol coverage', () => {
  it('fails on high findings by default and reports the metrics in every format', async () => {
    const table = await runCli(['netpol', 'coverage', SHOP, '-q']);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('namespaces with default-deny egress: 0% (0 of 3 namespaces)');
    const json = await runCli(['netpol', 'coverage', SHOP, '--format', 'json', '--fail-on', 'none', '-q']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.metrics).toContainEqual({ name: 'workloads that may reach the internet', value: '100%', detail: '4 of 4 workloads' });
    expect(body.findings.filter((finding: { suppressed: boolean }) => finding.suppressed).map((finding: { ruleId: string }) => finding.ruleId)).toEqual(['workload-egress-to-internet']);
  });

  it('writes SARIF that names every netpol rule', async () => {
    const result = await runCli(['netpol', 'coverage', SHOP, '--format', 'sarif', '--fail-on', 'none', '-q']);
    const sarif = JSON.parse(result.stdout);
    const rules = sarif.runs[0].tool.driver.rules.map((rule: { id: string }) => rule.id);
    expect(rules).toEqual(expect.arrayContaining(['netpol-invalid-policy', 'namespace-without-default-deny-egress', 'workload-dns-to-external-resolver']));
  });

  it('rejects a malformed --cluster-dns', async () => {
    const result = await runCli(['netpol', 'coverage', SHOP, '--cluster-dns', 'kube-dns']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kubeward: --cluster-dns must read namespace\/label=value/);
  });
});

describe('kubeward netpol generate', () => {
  it('writes policies that apply cleanly, to a file when asked', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netpol-')), 'policies.yaml');
    const result = await runCli(['netpol', 'generate', SHOP, '--from', FLOWS, '-o', out, '-q']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const { inventory, warnings } = inventoryFromText(readFileSync(out, 'utf8'));
    expect(warnings).toEqual([]);
    expect(inventory.byKind('NetworkPolicy')).toHaveLength(5);
    for (const policy of inventory.objects) expect(parseNetworkPolicy(policy).problems).toEqual([]);
  });

  it('exits 2 on a flows file it cannot read', async () => {
    const result = await runCli(['netpol', 'generate', SHOP, '--from', '/no/flows.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('kubeward: /no/flows.yaml: cannot read flows file: no such file or directory (ENOENT)\n');
  });
});

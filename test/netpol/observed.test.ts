// NetworkPolicies from observed traffic (issue 13): a CoreDNS log attributed to pods, the policies
// generated from it, and their verification by the NetworkPolicy engine (connlist).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PodIndex } from '../../src/core/pods.js';
import { emptyDnsStats, parseDnsLine } from '../../src/detect/dns.js';
import { emptyFlowStats, parseFlowLine } from '../../src/detect/hubble.js';
import { inventoryFromText, loadSources } from '../../src/load/sources.js';
import { connectionLine, connectionList, DEFAULT_CLUSTER_DNS, DnsObservations, FlowObservations, generatePolicies, mergeTraffic, renderGenerated, verifyPolicies, workloadOfPod, type ObservedPod } from '../../src/netpol/index.js';
import { serviceOfName } from '../../src/netpol/observed.js';
import { buildTopology } from '../../src/netpol/peers.js';
import { runCli } from '../helpers/cli.js';
import { SHOP, shopWorkloadsOnly } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const PODS = fixture('shop-pods.json');
const DNS_LOG = fixture('shop-dns.log');
const FLOWS = fixture('shop-flows.json');


async function observe() {
  const { inventory } = await loadSources([SHOP]);
  const pods = (await loadSources([PODS])).inventory.byKind('Pod');
  const context = { pods: new PodIndex(pods), clusterDomain: 'cluster.local', searchDomains: [], fallbackTime: 0 };
  const observations = new DnsObservations();
  const stats = emptyDnsStats();
  readFileSync(DNS_LOG, 'utf8').split('\n').forEach((line, index) => {
    const event = parseDnsLine(line, `dns.log:${index + 1}`, context, stats);
    if (event) observations.add(event);
  });
  return { inventory, pods: context.pods, dns: observations.result(buildTopology(inventory).workloads) };
}

async function observeFlows() {
  const { inventory, pods } = await observe();
  const observations = new FlowObservations(pods, DEFAULT_CLUSTER_DNS);
  const stats = emptyFlowStats();
  for (const line of readFileSync(FLOWS, 'utf8').split('\n')) for (const flow of parseFlowLine(line, stats)) observations.add(flow);
  return { inventory, stats: observations.stats, flows: observations.result(buildTopology(inventory).workloads) };
}

describe('netpol generate --from-dns-log', () => {
  it('reads the log as workloads: who used cluster DNS, which Services they looked up, which outside names', async () => {
    const { dns } = await observe();
    expect([...dns.dnsClients]).toEqual([
      ['shop/frontend[Deployment]', 3],
      ['shop/worker[Deployment]', 52],
      ['shop/backend[Deployment]', 3],
    ]);
    // the frontend looking itself up, and NXDOMAIN search expansions, are no calls
    expect(dns.serviceLookups).toEqual([
      { client: 'shop/backend[Deployment]', namespace: 'data', service: 'db', queries: 3 },
      { client: 'shop/frontend[Deployment]', namespace: 'shop', service: 'frontend', queries: 3 },
      { client: 'shop/worker[Deployment]', namespace: 'shop', service: 'backend', queries: 6 },
    ]);
    expect(dns.outsideLookups).toEqual([
      { client: 'shop/worker[Deployment]', domain: 'exfil-cdn.net', names: 40, queries: 40 },
      { client: 'shop/worker[Deployment]', domain: 'stripe.com', names: 1, queries: 3 },
    ]);
    expect(dns.warnings).toEqual([
      '1 pod that queried DNS is no workload of the sources (nothing is allowed for them): legacy/report-28f1',
      '3 DNS queries from 1 address no pod of --pods has (host-network pods, nodes, or pods gone): nothing is allowed for them',
    ]);
  });

  it('merged with what Services give: DNS only for the workloads that used it, the Services they looked up, verified by connlist', async () => {
    const { inventory, dns } = await observe();
    const result = generatePolicies(inventory, { observed: dns });
    expect(result.intended.map((entry) => `${entry.src} => ${entry.dst} : ${entry.conn} (${entry.reason})`)).toEqual([
      '* => shop/frontend[Deployment] : TCP 8080 (exposed by Service shop/frontend (LoadBalancer))',
      'shop/backend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS, seen 3 times)',
      'shop/frontend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS, seen 3 times)',
      'shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000 (calls Service shop/backend (container web env BACKEND_URL))',
      'shop/worker[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS, seen 52 times)',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000 (calls Service shop/backend (6 DNS lookups))',
    ]);
    const verification = verifyPolicies(inventory, result);
    expect(verification).toEqual({ checked: 4, notAllowed: [], unintended: [] });
    const yaml = renderGenerated(result, verification);
    expect(yaml).toContain('#   shop/worker[Deployment] => exfil-cdn.net : 40 names, 40 queries\n');
    expect(yaml).toContain('#   shop/worker[Deployment] => stripe.com : 1 name, 3 queries\n');
    expect(yaml).toContain('# verified by the NetworkPolicy engine (connlist): every observed connection (4) is allowed, and nothing else to or from these workloads\n');
    // the round trip a reviewer makes: connlist on the workloads with the generated policies
    const lines = connectionList(inventoryFromText(`${shopWorkloadsOnly()}\n---\n${yaml}`).inventory).connections.map(connectionLine);
    expect(lines.filter((line) => line.startsWith('shop/'))).toEqual([
      'shop/backend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/frontend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000',
      'shop/worker[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000',
    ]);
  });

  it('reports what the policies allow beyond what was asked (a selector that also selects another workload)', async () => {
    const { inventory } = inventoryFromText(`${shopWorkloadsOnly()}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend-canary, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend, track: canary}}
  template:
    metadata: {labels: {app: frontend, track: canary}}
    spec: {containers: [{name: web, image: shop/frontend:2.2, ports: [{containerPort: 8080}]}]}
`);
    const result = generatePolicies(inventory);
    const verification = verifyPolicies(inventory, result);
    expect(verification.unintended.map(connectionLine)).toContain('shop/frontend-canary[Deployment] => shop/backend[Deployment] : TCP 9000');
    expect(renderGenerated(result, verification)).toMatch(/# warning: also allowed, though nothing asked for it: shop\/frontend-canary\[Deployment\] => shop\/backend\[Deployment\] : TCP 9000\n/);
  });

  it('--from-flows: the connections pods opened and were forwarded, exactly; replies, drops, the own node and ICMP are not needs', async () => {
    const { stats, flows } = await observeFlows();
    expect(stats).toEqual({ flows: 9, opened: 5, replies: 1, notPassed: 1, otherProtocols: 1, ownNode: 1, unattributed: 0 });
    expect([...flows.dnsClients]).toEqual([['shop/frontend[Deployment]', 1]]);
    expect(flows.connections.map((connection) => `${connection.src} => ${connection.dst} : ${connection.conn} (${connection.flows}) [${connection.names}]`)).toEqual([
      '203.0.113.7/32 => shop/frontend[Deployment] : TCP 8080 (1) []',
      'shop/worker[Deployment] => 140.82.112.3/32 : TCP 443 (1) [api.github.com]',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000 (2) []',
    ]);
  });

  it('flows and a DNS log together: outside egress to named CIDRs, a looked-up name reached by a flow no longer listed as not allowed, verified by connlist', async () => {
    const { inventory, dns } = await observe();
    const { flows } = await observeFlows();
    const merged = mergeTraffic(dns, flows);
    merged.outsideLookups.push({ client: 'shop/worker[Deployment]', domain: 'github.com', names: 1, queries: 2 });
    const result = generatePolicies(inventory, { observed: merged });
    expect(result.intended.filter((entry) => entry.reason.startsWith('seen in')).map((entry) => `${entry.src} => ${entry.dst} : ${entry.conn}`)).toEqual([
      '203.0.113.7/32 => shop/frontend[Deployment] : TCP 8080',
      'shop/worker[Deployment] => 140.82.112.3/32 (api.github.com) : TCP 443',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000',
    ]);
    expect(result.outsideLookups.map((lookup) => lookup.domain)).toEqual(['exfil-cdn.net', 'stripe.com']);
    const worker = result.policies.find((policy) => policy.metadata.name === 'allow-worker')!;
    expect(worker.metadata.annotations).toMatchObject({ 'kubeward.io/external-names': '140.82.112.3/32=api.github.com' });
    const verification = verifyPolicies(inventory, result);
    expect(verification).toMatchObject({ notAllowed: [], unintended: [] });
    expect(verification.checked).toBe(7);
    const lines = connectionList(inventoryFromText(`${shopWorkloadsOnly()}\n---\n${renderGenerated(result, verification)}`).inventory).connections.map(connectionLine);
    expect(lines.filter((line) => line.includes('shop/worker[Deployment] =>') || line.includes('=> shop/frontend'))).toEqual([
      '0.0.0.0-255.255.255.255[External] => shop/frontend[Deployment] : TCP 8080',
      'kube-system/coredns[Deployment] => shop/frontend[Deployment] : TCP 8080',
      'shop/worker[Deployment] => 140.82.112.3-140.82.112.3[External] : TCP 443',
      'shop/worker[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000',
    ]);
  });

  it('maps a pod to its workload by controller, by owner, or by the selector its policy would use', async () => {
    const { inventory } = await loadSources([SHOP]);
    const { workloads } = buildTopology(inventory);
    const pod = (fields: Partial<ObservedPod>): ObservedPod => ({ namespace: 'shop', name: 'x', labels: {}, ...fields });
    expect(workloadOfPod(pod({ workload: 'Deployment/backend' }), workloads)?.id).toBe('shop/backend[Deployment]');
    expect(workloadOfPod(pod({ labels: { app: 'worker', 'pod-template-hash': 'zz' } }), workloads)?.id).toBe('shop/worker[Deployment]');
    expect(workloadOfPod(pod({ labels: { app: 'nothing' } }), workloads)).toBeUndefined();
    expect(serviceOfName('web-0.web.db.svc.cluster.local', 'cluster.local')).toEqual({ namespace: 'db', service: 'web' });
    expect(serviceOfName('_http._tcp.api.shop.svc.cluster.local', 'cluster.local')).toEqual({ namespace: 'shop', service: 'api' });
    expect(serviceOfName('api.shop.svc.cluster.local', 'corp.local')).toBeUndefined();
  });

  it('through the CLI: the round trip with netpol connlist, and bad input in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-netpol-observed-'));
    const output = join(dir, 'policies.yaml');
    const workloads = join(dir, 'workloads.yaml');
    writeFileSync(workloads, shopWorkloadsOnly());
    writeFileSync(join(dir, 'not-dns.log'), 'hello\nworld\n');
    const [generated, noQueries, noPods, noFlows] = await Promise.all([
      runCli(['netpol', 'generate', SHOP, '--from-dns-log', DNS_LOG, '--from-flows', FLOWS, '--pods', PODS, '-o', output, '-q']),
      runCli(['netpol', 'generate', SHOP, '--from-dns-log', join(dir, 'not-dns.log'), '--pods', PODS]),
      runCli(['netpol', 'generate', SHOP, '--from-dns-log', DNS_LOG]),
      runCli(['netpol', 'generate', SHOP, '--from-flows', join(dir, 'not-dns.log')]),
    ]);
    expect(generated.code).toBe(0);
    expect(generated.stderr).toBe('');
    const connlist = await runCli(['netpol', 'connlist', workloads, output]);
    expect(connlist.stdout).toContain('shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000\n');
    expect(connlist.stdout).toContain('shop/worker[Deployment] => 140.82.112.3-140.82.112.3[External] : TCP 443\n');
    expect(connlist.stdout).not.toMatch(/shop\/worker\[Deployment\] => 0\.0\.0\.0/);
    expect([noQueries.code, noPods.code, noFlows.code]).toEqual([2, 2, 2]);
    expect(noFlows.stderr).toMatch(/^kubeward: .*not-dns\.log: no Hubble flows \(2 lines: 2 malformed, 0 other\); write them with hubble observe -o json\n$/);
    expect(noQueries.stderr).toMatch(/^kubeward: .*not-dns\.log: no CoreDNS query lines \(2 lines: 0 malformed, 2 other\); enable the log plugin \(see docs\/detect\.md\)\n$/);
    expect(noPods.stderr).toMatch(/^kubeward: --from-dns-log needs the pods with their IPs: the sources hold no pod with an IP; give --pods FILE \(kubectl get pods -A -o json\)\n$/);
  });
});

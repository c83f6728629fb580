import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventoryFromText, loadSources } from '../../src/load/sources.js';
import { ConnectionSet } from '../../src/netpol/connections.js';
import { policyPorts } from '../../src/netpol/generate.js';
import { connectionLine, connectionList, generatePolicies, parseFlows, renderConnlist, renderGenerated } from '../../src/netpol/index.js';
import { parseNetworkPolicy } from '../../src/netpol/policy.js';
import { SHOP, shopWorkloadsOnly } from './helpers.js';

/**
 * Generated policies, applied instead of the old ones, allow exactly the intended connections:
 * Services and who calls them, the LoadBalancer from anywhere, declared flows, DNS to cluster DNS.
 */
const FLOWS = new URL('./fixtures/flows.yaml', import.meta.url).pathname;


async function generated() {
  const { inventory } = await loadSources([SHOP]);
  return generatePolicies(inventory, { flows: parseFlows(readFileSync(FLOWS, 'utf8'), 'flows.yaml') });
}

describe('netpol generate', () => {
  it('round trip: the workloads with the generated policies (and no others) allow exactly the intended connections', async () => {
    const yaml = renderGenerated(await generated());
    const { inventory } = inventoryFromText(`${shopWorkloadsOnly()}\n---\n${yaml}`);
    expect(connectionList(inventory).connections.map(connectionLine)).toEqual([
      '0.0.0.0-255.255.255.255[External] => kube-system/coredns[Deployment] : All Connections',
      '0.0.0.0-255.255.255.255[External] => shop/frontend[Deployment] : TCP 8080',
      'kube-system/coredns[Deployment] => 0.0.0.0-203.0.113.9[External] : All Connections',
      'kube-system/coredns[Deployment] => 203.0.113.10-203.0.113.10[External] : All Connections',
      'kube-system/coredns[Deployment] => 203.0.113.11-255.255.255.255[External] : All Connections',
      'kube-system/coredns[Deployment] => shop/frontend[Deployment] : TCP 8080',
      'shop/backend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/frontend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000',
      'shop/worker[Deployment] => 203.0.113.10-203.0.113.10[External] : TCP 443',
      'shop/worker[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000',
    ]);
  });

  it('takes a reviewed connlist as flows: the regenerated policies keep exactly its connections, adding only DNS to cluster DNS', async () => {
    const { inventory } = await loadSources([SHOP]);
    const before = connectionList(inventory).connections.map(connectionLine);
    const flows = parseFlows(renderConnlist(connectionList(inventory), 'json'), 'connlist.json');
    const yaml = renderGenerated(generatePolicies(inventory, { flows }));
    const after = connectionList(inventoryFromText(`${shopWorkloadsOnly()}\n---\n${yaml}`).inventory).connections.map(connectionLine);
    const dnsAdded = 'shop/frontend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53';
    expect(before).toContain('shop/frontend[Deployment] => kube-system/coredns[Deployment] : UDP 53');
    expect(after).toEqual(before.map((line) => (line.startsWith('shop/frontend[Deployment] => kube-system/coredns') ? dnsAdded : line)));
  });

  it('says what it allows and why', async () => {
    expect((await generated()).intended.map((entry) => `${entry.src} => ${entry.dst} : ${entry.conn} (${entry.reason})`)).toEqual([
      '* => shop/frontend[Deployment] : TCP 8080 (exposed by Service shop/frontend (LoadBalancer))',
      'shop/backend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS)',
      'shop/frontend[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS)',
      'shop/frontend[Deployment] => shop/backend[Deployment] : TCP 9000 (calls Service shop/backend (container web env BACKEND_URL))',
      'shop/worker[Deployment] => 203.0.113.10 : TCP 443 (declared in flows.yaml: connections[0])',
      'shop/worker[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53 (DNS to cluster DNS)',
      'shop/worker[Deployment] => shop/backend[Deployment] : TCP 9000 (declared in flows.yaml: connections[1])',
    ]);
  });

  it('writes policies the API server accepts, default deny in every namespace but the control plane\'s', async () => {
    const { inventory } = inventoryFromText(renderGenerated(await generated()));
    const policies = inventory.byKind('NetworkPolicy');
    expect(policies.map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`)).toEqual(['empty/default-deny', 'shop/default-deny', 'shop/allow-backend', 'shop/allow-frontend', 'shop/allow-worker']);
    for (const policy of policies) expect(parseNetworkPolicy(policy).problems).toEqual([]);
  });

  it('allows DNS to the ports the cluster DNS Service forwards to (5353 on OpenShift), and selects a bare Job by its name label', () => {
    const { inventory } = inventoryFromText(`apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: app}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-default-x1, namespace: openshift-dns, labels: {dns.operator.openshift.io/daemonset-dns: default}}
spec: {containers: [{name: dns, image: i, ports: [{name: dns, containerPort: 5353, protocol: UDP}, {name: dns-tcp, containerPort: 5353, protocol: TCP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns-default, namespace: openshift-dns}
spec:
  selector: {dns.operator.openshift.io/daemonset-dns: default}
  ports: [{name: dns, port: 53, targetPort: dns, protocol: UDP}, {name: dns-tcp, port: 53, targetPort: dns-tcp, protocol: TCP}]
`);
    const result = generatePolicies(inventory, { clusterDns: { namespace: 'openshift-dns', labels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } }, skipNamespaces: ['openshift-dns'] });
    const policy = result.policies.find((candidate) => candidate.metadata.name === 'allow-migrate');
    expect(policy?.spec).toMatchObject({
      podSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'migrate' } },
      egress: [{ ports: [{ protocol: 'TCP', port: 5353 }, { protocol: 'UDP', port: 5353 }] }],
    });
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['All Connections', undefined],
    ['TCP 1-65535', [{ protocol: 'TCP' }]],
    ['TCP 80,8000-8080,UDP 53', [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 8000, endPort: 8080 }, { protocol: 'UDP', port: 53 }]],
  ])('writes "%s" as ports %j', (conn, ports) => {
    expect(policyPorts(ConnectionSet.parse(conn))).toEqual(ports);
  });

  it.each([
    ['connections: [{src: shop/nope, dst: shop/backend}]', /connections\[0\]\.src: no workload "shop\/nope"/],
    ['connections: [{src: shop/worker, dst: shop/backend, conn: "TCP 99999"}]', /connections\[0\]: .*not a port/],
    ['connections: [{src: shop/worker}]', /connections\[0\]: needs src and dst/],
    ['flows: []', /expected a "connections:" list/],
  ])('rejects the flows file %s', async (text, message) => {
    const { inventory } = await loadSources([SHOP]);
    expect(() => generatePolicies(inventory, { flows: parseFlows(text, 'flows.yaml') })).toThrow(message);
  });
});

describe('netpol generate: workloads without pod labels', () => {
  const bare = (count: number) =>
    Array.from({ length: count }, (_, index) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${index}, namespace: a}\nspec: {containers: [{name: c, image: nginx}]}\n`).join('');
  const unlabelledWarnings = (count: number) => generatePolicies(inventoryFromText(bare(count)).inventory).warnings.filter((warning) => warning.includes('no pod labels'));

  it('one is named in its own warning', () => {
    expect(unlabelledWarnings(1)).toEqual(['a/p0[Pod] has no pod labels to select it by: no policy allows anything for it (default deny applies)']);
  });

  it('many are one warning, counted, naming the first five (2,000 bare pods printed 2,000 lines)', () => {
    expect(unlabelledWarnings(2000)).toEqual(['2000 workloads have no pod labels to select them by: no policy allows anything for them (default deny applies): a/p0[Pod], a/p1[Pod], a/p2[Pod], a/p3[Pod], a/p4[Pod], …']);
    expect(unlabelledWarnings(2)).toEqual(['2 workloads have no pod labels to select them by: no policy allows anything for them (default deny applies): a/p0[Pod], a/p1[Pod]']);
  });
});

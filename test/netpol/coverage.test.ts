import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import { inventoryFromText, loadSources } from '../../src/load/sources.js';
import { coverage, netpolFindings, NETPOL_RULE_LIST } from '../../src/netpol/index.js';

/** The Limit stage's questions on a small shop (test/netpol/fixtures/shop.yaml), and the findings they become. */
const SHOP = new URL('./fixtures/shop.yaml', import.meta.url).pathname;

describe('netpol coverage and findings', () => {
  it('report what a scan should say, one finding per gap, on the object that has it', async () => {
    const { inventory } = await loadSources([SHOP]);
    const { findings } = netpolFindings(inventory);
    const summary = findings.map((finding) => `${finding.ruleId} ${finding.severity} ${finding.object.kind} ${finding.object.namespace ?? ''}/${finding.object.name}${finding.suppressed ? ' suppressed' : ''}`).sort();
    expect(summary).toEqual([
      'namespace-without-default-deny-egress medium Namespace /empty',
      'namespace-without-default-deny-egress medium Namespace /kube-system',
      'namespace-without-default-deny-egress medium Namespace /shop',
      'namespace-without-default-deny-ingress medium Namespace /empty',
      'namespace-without-default-deny-ingress medium Namespace /kube-system',
      'workload-dns-to-external-resolver high Deployment shop/worker',
      'workload-dns-via-cluster-dns info Deployment shop/backend',
      'workload-dns-via-cluster-dns info Deployment shop/frontend',
      'workload-egress-to-internet high Deployment kube-system/coredns suppressed',
      'workload-egress-to-internet high Deployment shop/frontend',
      'workload-egress-to-internet high Deployment shop/worker',
      'workload-egress-to-internet medium Deployment shop/backend',
    ]);
    expect(findings.every((finding) => finding.stage === 'limit' && finding.location?.file === SHOP.replace(`${process.cwd()}/`, ''))).toBe(true);
  });

  it('say what is open and where: every internet address on a port, or listed ranges', async () => {
    const { inventory } = await loadSources([SHOP]);
    const byWorkload = new Map(coverage(inventory).workloads.map((entry) => [entry.workload.id, entry]));
    expect(byWorkload.get('shop/frontend[Deployment]')?.internetEverywhere.toString()).toBe('TCP 443');
    expect(byWorkload.get('shop/backend[Deployment]')?.internet).toEqual([{ range: '203.0.113.0-203.0.113.255', conn: 'TCP 443' }]);
    expect(byWorkload.get('shop/backend[Deployment]')?.internetEverywhere.isEmpty).toBe(true);
    expect(byWorkload.get('shop/worker[Deployment]')?.externalDns).toEqual([
      { range: '0.0.0.0-255.255.255.255', conn: 'TCP 53,UDP 53' },
      { range: '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', conn: 'TCP 53,UDP 53' },
    ]);
    expect(byWorkload.get('kube-system/coredns[Deployment]')?.externalDns).toBeUndefined();
  });

  it('work a workload out on demand exactly as when every workload is worked out (with policies and without)', async () => {
    const { inventory } = await loadSources([SHOP]);
    const withoutPolicies = Inventory.of(inventory.objects.filter((object) => object.kind !== 'NetworkPolicy'));
    for (const sources of [inventory, withoutPolicies]) {
      const all = coverage(sources);
      const onDemand = coverage(sources);
      // Asked one by one, last first: the order must not matter.
      const asked = [...onDemand.analysis.topology.workloads].reverse().map((workload) => onDemand.coverageOf(workload)).reverse();
      expect(asked).toEqual(all.workloads);
      expect(onDemand.warnings).toEqual(all.warnings);
      expect(onDemand.metrics).toEqual(all.metrics);
      expect(onDemand.clusterDns).toEqual(all.clusterDns);
    }
    expect(coverage(withoutPolicies).workloads.filter((entry) => entry.internet.length > 0)).toHaveLength(4);
  });

  it('count namespaces with default deny and workloads that may reach out', async () => {
    const { inventory } = await loadSources([SHOP]);
    expect(coverage(inventory).metrics).toEqual([
      { name: 'namespaces with default-deny ingress', value: '33%', detail: '1 of 3 namespaces' },
      { name: 'namespaces with default-deny egress', value: '0%', detail: '0 of 3 namespaces' },
      { name: 'workloads that may reach the internet', value: '100%', detail: '4 of 4 workloads' },
      { name: 'workloads that may send DNS to resolvers outside the cluster', value: '33%', detail: '1 of 3 workloads' },
      { name: 'workloads whose DNS goes only through cluster DNS', value: '67%', detail: '2 of 3 workloads' },
    ]);
  });

  it('assume cluster DNS serves 53 when the sources do not hold it, and count a private resolver as outside the cluster', () => {
    const egressTo = (rules: string) => `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: team}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns, namespace: team}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}]
${rules}`;
    const [withResolver] = coverage(inventoryFromText(egressTo('    - to: [{ipBlock: {cidr: 10.20.0.0/16}}]\n')).inventory).workloads;
    expect(withResolver.internet).toEqual([]);
    expect(withResolver.externalDns).toEqual([{ range: '10.20.0.0-10.20.255.255', conn: 'TCP 53,UDP 53' }]);
    expect(withResolver.clusterDnsOnly).toBe(false);
    const [dnsOnly] = coverage(inventoryFromText(egressTo('')).inventory).workloads;
    expect(dnsOnly.externalDns).toEqual([]);
    expect(dnsOnly.clusterDnsOnly).toBe(true);
  });

  it('report a workload once, on its controller, when a dump holds its ReplicaSet and pods too', () => {
    const { inventory } = inventoryFromText(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d9c, namespace: team, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true, uid: "1"}]}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5d9c-abcde, namespace: team, labels: {app: web}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: "2"}]}
spec: {containers: [{name: c, image: i}]}
`);
    const internet = netpolFindings(inventory).findings.filter((finding) => finding.ruleId === 'workload-egress-to-internet');
    expect(internet.map((finding) => `${finding.object.kind}/${finding.object.name}`)).toEqual(['Deployment/web']);
  });

  it('have rule metadata fit for docs and SARIF', () => {
    for (const meta of NETPOL_RULE_LIST) {
      expect(meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(meta.stage).toBe('limit');
      expect(meta.description.length).toBeGreaterThan(40);
      expect(meta.remediation.length).toBeGreaterThan(20);
      expect(meta.references.length).toBeGreaterThan(0);
    }
  });
});

// `npm run bench netpol`: connlist over a synthetic cluster of 2,000 workloads in 100 namespaces with
// 1,000 NetworkPolicies (plus cluster DNS). Prints the connlist time and heap, against a floor
// measured in the same run: JSON.parse of the same inventory (the least any analysis must pay to
// read it) and a bare pairwise loop over the workloads (the least any all-pairs listing must pay).
import { performance } from 'node:perf_hooks';
import { Inventory } from '../dist/core/inventory.js';
import { analyze, connectionList, connectionLine } from '../dist/netpol/index.js';

const NAMESPACES = 100;
const WORKLOADS_PER_NAMESPACE = 20;
const POLICIES_PER_NAMESPACE = 10;
const TIERS = ['web', 'api', 'db', 'worker'];

function deployment(namespace, index) {
  const tier = TIERS[index % TIERS.length];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `app-${index}`, namespace, labels: { app: `app-${index}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `app-${index}` } },
      template: {
        metadata: { labels: { app: `app-${index}`, tier, 'pod-template-hash': `h${index}` } },
        spec: {
          containers: [
            {
              name: 'main',
              image: `registry.example/${tier}:1.${index}`,
              ports: [
                { name: 'http', containerPort: tier === 'db' ? 5432 : 8080 },
                { name: 'metrics', containerPort: 9090 },
              ],
            },
          ],
        },
      },
    },
  };
}

function policy(namespace, name, spec) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** Ten policies a namespace: default deny, DNS, tiered allows, cross-namespace, monitoring, an egress allow-list, a port range. */
function policiesOf(namespace, team) {
  const tier = (name) => ({ matchLabels: { tier: name } });
  return [
    policy(namespace, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy(namespace, 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
    }),
    policy(namespace, 'web-from-outside', { podSelector: tier('web'), ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 8080 }] }] }),
    policy(namespace, 'api-from-web', { podSelector: tier('api'), ingress: [{ from: [{ podSelector: tier('web') }], ports: [{ port: 'http' }] }] }),
    policy(namespace, 'db-from-api', { podSelector: tier('db'), ingress: [{ from: [{ podSelector: tier('api') }, { podSelector: tier('worker') }], ports: [{ port: 5432 }] }] }),
    policy(namespace, 'web-to-api', { podSelector: tier('web'), policyTypes: ['Egress'], egress: [{ to: [{ podSelector: tier('api') }], ports: [{ port: 8080 }] }] }),
    policy(namespace, 'api-to-db', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'worker'] }] }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: tier('db') }], ports: [{ port: 5432 }] }] }),
    policy(namespace, 'api-from-team', { podSelector: tier('api'), ingress: [{ from: [{ namespaceSelector: { matchLabels: { team } }, podSelector: tier('web') }], ports: [{ port: 8080 }] }] }),
    policy(namespace, 'metrics-from-monitoring', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ port: 'metrics' }] }] }),
    policy(namespace, 'worker-egress', {
      podSelector: { matchLabels: { app: 'app-3' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443 }, { protocol: 'TCP', port: 8000, endPort: 8100 }] }],
    }),
  ];
}

function syntheticCluster() {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: { selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns', image: 'coredns:1.11', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }] }] } } },
    },
  ];
  let policies = 0;
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `team-${String(n).padStart(2, '0')}`;
    const team = `t${n % 10}`;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { team, ...(n === 0 ? { role: 'monitoring' } : {}) } } });
    for (let w = 0; w < WORKLOADS_PER_NAMESPACE; w++) objects.push(deployment(namespace, w));
    const list = policiesOf(namespace, team).slice(0, POLICIES_PER_NAMESPACE);
    policies += list.length;
    objects.push(...list);
  }
  return { objects, policies };
}

function timed(run, repeat = 3) {
  let best = Infinity;
  let result;
  for (let i = 0; i < repeat; i++) {
    globalThis.gc?.();
    const start = performance.now();
    result = run();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, result };
}

const { objects, policies } = syntheticCluster();
const text = JSON.stringify(objects);
const inventory = Inventory.of(JSON.parse(text));
const workloads = objects.filter((object) => object.kind === 'Deployment');

const parseFloor = timed(() => JSON.parse(text).length);
const pairFloor = timed(() => {
  let pairs = 0;
  for (const a of workloads) for (const b of workloads) if (a !== b && a.metadata.namespace.length + b.metadata.name.length > 0) pairs++;
  return pairs;
});
const classes = analyze(inventory).topology.classes.length;
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const list = timed(() => connectionList(inventory), 3);
const heapAfter = process.memoryUsage().heapUsed;
const render = timed(() => list.result.connections.map(connectionLine).join('\n').length);

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
console.log(`synthetic cluster: ${workloads.length} workloads in ${NAMESPACES} namespaces, ${policies} NetworkPolicies, ${(text.length / 1048576).toFixed(1)} MiB of JSON`);
console.log(`equivalence classes: ${classes} (of ${workloads.length} workloads); connections listed: ${list.result.connections.length}`);
console.log(`floor: JSON.parse of the inventory ${parseFloor.ms.toFixed(1)} ms; bare pairwise loop over workloads ${pairFloor.ms.toFixed(1)} ms (${pairFloor.result} pairs)`);
console.log(`connlist: ${list.ms.toFixed(1)} ms = ${(list.ms / parseFloor.ms).toFixed(1)}x JSON.parse, ${(list.ms / pairFloor.ms).toFixed(1)}x the pairwise loop`);
console.log(`txt rendering: ${render.ms.toFixed(1)} ms (${(render.result / 1048576).toFixed(1)} MiB)`);
console.log(`heap used: ${mb(heapAfter)} after connlist (${mb(heapAfter - heapBefore)} more than before, the result held)`);

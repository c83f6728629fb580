// RBAC engine on a synthetic cluster: 5,000 roles, 20,000 bindings, 10,000 ServiceAccounts (plus
// 5,000 Deployments for the escalation graph), generated here with a seeded generator.
// Prints the index build, one `can`, one `who-can` and a full `risks` run (and its stages), each with
// its ratio to a floor measured in the same run: a bare loop over the bindings that touches every
// subject. Each row is the median wall time of its runs, with the CPU time (user + system, GC threads
// included) beside it: on a machine others share, CPU time moves less than wall time.
import { performance } from 'node:perf_hooks';
import { Inventory } from '../dist/core/inventory.js';
import { buildEngine } from '../dist/rbac/engine.js';
import { escalationGraph } from '../dist/rbac/escalation.js';
import { rbacFindings } from '../dist/rbac/findings.js';
import { evaluateRisks } from '../dist/rbac/risks.js';
import { serviceAccountIdentity, userIdentity } from '../dist/rbac/subject.js';

const NAMESPACES = 200;
const ACCOUNTS = 10_000;
const CLUSTER_ROLES = 1_000;
const ROLES = 4_000;
const CLUSTER_ROLE_BINDINGS = 2_000;
const ROLE_BINDINGS = 18_000;
const DEPLOYMENTS = 5_000;
const USERS = 1_000;
const GROUPS = 100;

let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
const pick = (list) => list[Math.floor(random() * list.length)];
const RBAC = 'rbac.authorization.k8s.io/v1';

const RULES = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['tls', 'db'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/log'], verbs: ['create', 'get'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['*'] },
  { apiGroups: ['example.com'], resources: ['*'], verbs: ['get', 'list'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['leader'] },
  { nonResourceURLs: ['/metrics'], verbs: ['get'] },
];
const rulesOf = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(RULES));

function syntheticCluster() {
  const namespaces = Array.from({ length: NAMESPACES }, (_, index) => `ns-${index}`);
  const objects = namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const accounts = [];
  for (let index = 0; index < ACCOUNTS; index++) {
    const account = { namespace: namespaces[index % NAMESPACES], name: `sa-${index}` };
    accounts.push(account);
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: account });
  }
  for (let index = 0; index < CLUSTER_ROLES; index++) {
    const labels = index % 100 === 0 ? { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } : {};
    objects.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: `cr-${index}`, labels }, rules: rulesOf() });
  }
  for (let index = 0; index < ROLES; index++) objects.push({ apiVersion: RBAC, kind: 'Role', metadata: { name: `role-${index}`, namespace: namespaces[index % NAMESPACES] }, rules: rulesOf() });
  const subject = (namespace) => {
    const draw = random();
    if (draw < 0.6) return { kind: 'ServiceAccount', ...pick(accounts.filter((account) => account.namespace === namespace || namespace === undefined).slice(0, 50)) };
    if (draw < 0.85) return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${Math.floor(random() * USERS)}` };
    return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${Math.floor(random() * GROUPS)}` };
  };
  const accountsByNamespace = new Map(namespaces.map((namespace) => [namespace, accounts.filter((account) => account.namespace === namespace)]));
  const localSubject = (namespace) => (random() < 0.6 ? { kind: 'ServiceAccount', ...pick(accountsByNamespace.get(namespace)) } : subject(undefined));
  for (let index = 0; index < CLUSTER_ROLE_BINDINGS; index++) {
    objects.push({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: `crb-${index}` }, roleRef: { kind: 'ClusterRole', name: index === 0 ? 'cluster-admin' : `cr-${Math.floor(random() * CLUSTER_ROLES)}` }, subjects: [subject(undefined)] });
  }
  for (let index = 0; index < ROLE_BINDINGS; index++) {
    const namespace = namespaces[index % NAMESPACES];
    const toClusterRole = random() < 0.5;
    const roleRef = toClusterRole ? { kind: 'ClusterRole', name: `cr-${Math.floor(random() * CLUSTER_ROLES)}` } : { kind: 'Role', name: `role-${NAMESPACES * Math.floor(random() * (ROLES / NAMESPACES)) + (index % NAMESPACES)}` };
    objects.push({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: `rb-${index}`, namespace }, roleRef, subjects: [localSubject(namespace), localSubject(namespace)] });
  }
  for (let index = 0; index < DEPLOYMENTS; index++) {
    const account = accounts[(index * 7) % ACCOUNTS];
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${index}`, namespace: account.namespace },
      spec: { selector: { matchLabels: { app: `app-${index}` } }, template: { metadata: { labels: { app: `app-${index}` } }, spec: { serviceAccountName: account.name, containers: [{ name: 'app', image: 'app:1' }] } } },
    });
  }
  return { objects, namespaces, accounts };
}

function time(label, runs, work, prepare = () => undefined) {
  const walls = [];
  let cpu = 0;
  let result;
  for (let run = 0; run < runs; run++) {
    const input = prepare(run);
    if (runs <= 10) globalThis.gc?.();
    const start = performance.now();
    const before = process.cpuUsage();
    result = work(run, input);
    const used = process.cpuUsage(before);
    walls.push(performance.now() - start);
    cpu += (used.user + used.system) / 1000;
  }
  walls.sort((a, b) => a - b);
  return { label, perRun: walls[Math.floor(runs / 2)], cpuPerRun: cpu / runs, result };
}

const { objects, namespaces, accounts } = syntheticCluster();
const bindings = objects.filter((object) => object.kind.endsWith('Binding'));
console.log(`synthetic cluster: ${objects.length} objects, ${CLUSTER_ROLES + ROLES} roles, ${bindings.length} bindings, ${ACCOUNTS} ServiceAccounts, ${DEPLOYMENTS} Deployments`);

// Floor: one pass over the bindings touching every subject, the least any index build must do.
const floor = time('floor: one pass over the bindings', 20, () => {
  let keys = 0;
  for (const binding of bindings) for (const subject of binding.subjects) keys += `${subject.kind}\u0000${subject.namespace ?? ''}\u0000${subject.name}`.length;
  return keys;
});

const inventory = Inventory.of(objects);
const build = time('build: engine and indexes (roles, aggregation, bindings)', 3, () => buildEngine(inventory));
const engine = build.result;

const canQueries = Array.from({ length: 2_000 }, () => ({
  identity: random() < 0.7 ? serviceAccountIdentity(pick(accounts).namespace, pick(accounts).name) : userIdentity(`user-${Math.floor(random() * USERS)}`, [`group-${Math.floor(random() * GROUPS)}`]),
  attributes: { verb: pick(['get', 'list', 'create', 'patch']), apiGroup: pick(['', 'apps']), resource: pick(['pods', 'secrets', 'deployments']), namespace: pick(namespaces) },
}));
const can = time('can: one query', canQueries.length, (run) => engine.can(canQueries[run].identity, canQueries[run].attributes));

const whoCanQueries = Array.from({ length: 200 }, (_, index) => ({ verb: pick(['get', 'list', 'create']), apiGroup: '', resource: pick(['pods', 'secrets']), namespace: index % 4 === 0 ? '' : pick(namespaces) }));
const whoCan = time('who-can: one query (1 in 4 across all namespaces)', whoCanQueries.length, (run) => engine.whoCan(whoCanQueries[run]));

const today = '2026-12-05';
const risks = time('risks: a full run (fresh engine: build, graph, risks, findings)', 3, () => rbacFindings(buildEngine(inventory), { today }));
const graph = time('  escalation graph alone (engine built)', 3, (run, fresh) => escalationGraph(fresh), () => buildEngine(inventory));
const evaluation = time('  risk evaluation alone (engine and graph built)', 3, (run, fresh) => evaluateRisks(fresh), () => {
  const fresh = buildEngine(inventory);
  escalationGraph(fresh);
  return fresh;
});
const findings = time('  findings alone (risks evaluated)', 3, (run, fresh) => rbacFindings(fresh, { today }), () => {
  const fresh = buildEngine(inventory);
  evaluateRisks(fresh);
  return fresh;
});

const ratio = (value) => (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(2));
const rows = [floor, build, can, whoCan, risks, graph, evaluation, findings];
const width = Math.max(...rows.map((row) => row.label.length));
for (const row of rows) {
  const duration = (ms) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);
  console.log(`${row.label.padEnd(width)}  ${duration(row.perRun).padStart(10)}  ${ratio(row.perRun / floor.perRun).padStart(8)}× floor  cpu ${duration(row.cpuPerRun).padStart(10)}`);
}
console.log(`findings: ${risks.result.length}; can allowed ${canQueries.filter((query) => engine.can(query.identity, query.attributes).allowed).length}/${canQueries.length}; who-can subjects on average ${(whoCanQueries.reduce((sum, query) => sum + engine.whoCan(query).length, 0) / whoCanQueries.length).toFixed(1)}`);

// A large synthetic cluster for the posture report's size and speed checks (test/report and
// bench/report.bench.mjs): 200 namespaces, 2,000 Deployments, 4,000 ServiceAccounts, 20,000 bindings,
// NetworkPolicies in half the namespaces. Seeded, so every run draws the same cluster.
const RBAC = 'rbac.authorization.k8s.io/v1';
const TIERS = ['web', 'api', 'db', 'worker'];
const RULES = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['*'] },
];

export function largeCluster({ namespaces = 200, deployments = 2000, accounts = 4000, clusterRoleBindings = 2000, roleBindings = 18000 } = {}) {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const names = Array.from({ length: namespaces }, (_, index) => `team-${index}`);
  const objects = names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }));
  const serviceAccounts = Array.from({ length: accounts }, (_, index) => ({ namespace: names[index % namespaces], name: `sa-${index}` }));
  for (const account of serviceAccounts) objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: account });
  for (let index = 0; index < 200; index++) objects.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: `cr-${index}` }, rules: [pick(RULES), pick(RULES)] });
  for (let index = 0; index < clusterRoleBindings; index++) {
    const account = pick(serviceAccounts);
    objects.push({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: `crb-${index}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: index === 0 ? 'cluster-admin' : `cr-${index % 200}` }, subjects: [{ kind: 'ServiceAccount', ...account }] });
  }
  for (let index = 0; index < roleBindings; index++) {
    const namespace = names[index % namespaces];
    const account = serviceAccounts[(index * 13) % accounts];
    objects.push({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: `rb-${index}`, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `cr-${index % 200}` }, subjects: [{ kind: 'ServiceAccount', ...account }] });
  }
  for (let index = 0; index < deployments; index++) {
    const namespace = names[index % namespaces];
    const tier = TIERS[index % TIERS.length];
    const account = serviceAccounts[index % accounts];
    const labels = { app: `app-${index}`, tier };
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${index}`, namespace, labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { ...(index % 3 ? { serviceAccountName: account.name } : {}), containers: [{ name: 'app', image: `registry-${index % 5}.example.com/${namespace}/app-${index % 50}:1.${index % 9}` }] } } },
    });
  }
  names.forEach((namespace, index) => {
    if (index % 2) return;
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name: 'web-to-api' }, spec: { podSelector: { matchLabels: { tier: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 8080 }] }] } });
  });
  return { apiVersion: 'v1', kind: 'List', items: objects };
}

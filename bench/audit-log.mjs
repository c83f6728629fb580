// The synthetic audit log the benchmarks share (`detect`, `rbac-generate`): line i of a cluster's
// Metadata-level audit log, with a seeded generator so every run reads the same lines.
const T0 = Date.parse('2026-03-01T10:00:00Z');
const NAMESPACES = Array.from({ length: 40 }, (_, i) => `team-${i}`);

let seed = 7;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 2 ** 32);
const pick = (items) => items[Math.floor(random() * items.length)];
const iso = (ms) => new Date(ms).toISOString().replace('Z', '000Z');

/** A Metadata-level event as the log backend writes it (~700 bytes), with the usual cluster mix. */
export function auditLine(i) {
  const time = T0 + Math.floor(i / 10); // ~10,000 events per second of cluster time
  const ns = pick(NAMESPACES);
  const r = random();
  let user, verb, resource, name, subresource, group;
  if (r < 0.3) [user, verb, resource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, pick(['get', 'watch']), 'secrets', `app-${i % 9}`];
  else if (r < 0.45) [user, verb, resource, name, group] = [{ username: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'update', 'leases', 'kube-scheduler', 'coordination.k8s.io'];
  else if (r < 0.6) [user, verb, resource, subresource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, 'create', 'serviceaccounts', 'token', 'default'];
  else if (r < 0.75) [user, verb, resource] = [{ username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'list', pick(['secrets', 'configmaps', 'pods'])];
  else if (r < 0.9) [user, verb, resource, name, group] = [{ username: 'system:serviceaccount:kube-system:endpointslice-controller', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'update', 'endpointslices', 'svc', 'discovery.k8s.io'];
  else if (r < 0.999) [user, verb, resource, name] = [{ username: 'alice@example.com', groups: ['system:authenticated'] }, pick(['get', 'list']), 'pods', undefined];
  else [user, verb, resource, name] = [{ username: `system:serviceaccount:tracing:agent-${i % 3}`, groups: ['system:serviceaccounts'] }, 'get', 'secrets', 'db'];
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ''}`,
    verb,
    user,
    sourceIPs: ['10.0.0.10'],
    userAgent: 'kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/abcdef0',
    objectRef: { resource, namespace: ns, name, subresource, apiGroup: group, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    requestReceivedTimestamp: iso(time - 2),
    stageTimestamp: iso(time),
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:node" of ClusterRole "system:node"' },
  });
}

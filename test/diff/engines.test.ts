// The engines behind `kubeward diff`: permissions by the RBAC authorizer, exposure by the NetworkPolicy engine, pod templates.
import { describe, expect, it } from 'vitest';
import { workloadChanges } from '../../src/diff/workloads.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { exposureChanges } from '../../src/netpol/diff.js';
import { describePermissionChanges, permissionChanges } from '../../src/rbac/diff.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { describeSubject } from '../../src/rbac/subject.js';

const inventory = (yaml: string) => inventoryFromText(yaml, 'x.yaml', 'shop').inventory;
const engine = (yaml: string) => buildEngine(inventory(yaml));

const clusterRole = (name: string, rules: string, labels = '') => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${name}${labels ? `, labels: {${labels}}` : ''}}
rules: ${rules}
`;
const role = (name: string, rules: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${name}, namespace: shop}
rules: ${rules}
`;
const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleKind: string, roleName: string, subject = '{kind: ServiceAccount, name: web, namespace: shop}') => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}${kind === 'RoleBinding' ? ', namespace: shop' : ''}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName}}
subjects: [${subject}]
`;

function changes(before: string, after: string): Record<string, { gained: string[]; lost: string[] }> {
  return Object.fromEntries(
    permissionChanges(engine(before), engine(after)).map((entry) => [describeSubject(entry.subject), { gained: describePermissionChanges(entry.gained), lost: describePermissionChanges(entry.lost) }]),
  );
}

describe('permission changes per subject', () => {
  it('a new ClusterRoleBinding: what the subject can do now and could not before', () => {
    const after = clusterRole('reader', '[{apiGroups: [""], resources: [secrets], verbs: [get, list]}]') + binding('ClusterRoleBinding', 'reader', 'ClusterRole', 'reader');
    expect(changes('', after)).toEqual({ 'ServiceAccount shop/web': { gained: ['get,list secrets cluster-wide via ClusterRoleBinding reader → ClusterRole reader'], lost: [] } });
  });

  it('nothing when the old grants already allowed it, wildcards included', () => {
    const before = clusterRole('all', '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]') + binding('ClusterRoleBinding', 'all', 'ClusterRole', 'all');
    const after = before + clusterRole('reader', '[{apiGroups: [""], resources: [secrets], verbs: [list]}]') + binding('ClusterRoleBinding', 'reader', 'ClusterRole', 'reader');
    expect(changes(before, after)).toEqual({});
  });

  it('a grant moved from one namespace to the whole cluster gains the cluster scope and loses nothing', () => {
    const rules = '[{apiGroups: [""], resources: [secrets], verbs: [list]}]';
    const before = clusterRole('reader', rules) + binding('RoleBinding', 'reader', 'ClusterRole', 'reader');
    const after = clusterRole('reader', rules) + binding('ClusterRoleBinding', 'reader', 'ClusterRole', 'reader');
    expect(changes(before, after)).toEqual({ 'ServiceAccount shop/web': { gained: ['list secrets cluster-wide via ClusterRoleBinding reader → ClusterRole reader'], lost: [] } });
    expect(changes(after, before)).toEqual({ 'ServiceAccount shop/web': { gained: [], lost: ['list secrets cluster-wide via ClusterRoleBinding reader → ClusterRole reader'] } });
  });

  it('a rule added by aggregation to a role the subject is already bound to', () => {
    const base = clusterRole('monitoring', '[]').replace('rules: []', 'aggregationRule: {clusterRoleSelectors: [{matchLabels: {acme.io/aggregate-to-monitoring: "true"}}]}\nrules: []') + binding('ClusterRoleBinding', 'monitoring', 'ClusterRole', 'monitoring');
    const after = base + clusterRole('extra', '[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]', 'acme.io/aggregate-to-monitoring: "true"');
    expect(changes(base, after)['ServiceAccount shop/web'].gained).toEqual(['create pods/exec cluster-wide via ClusterRoleBinding monitoring → ClusterRole monitoring']);
  });

  it('one more name in resourceNames is one more permission; a namespaced Role says where', () => {
    const before = role('cfg', '[{apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [a]}]') + binding('RoleBinding', 'cfg', 'Role', 'cfg');
    const after = before.replace('resourceNames: [a]', 'resourceNames: [a, b]');
    expect(changes(before, after)['ServiceAccount shop/web'].gained).toEqual(['get configmaps named b in namespace shop via RoleBinding shop/cfg → Role shop/cfg']);
  });

  it('a grant to a group is the group\'s, counted for its members only where it applies', () => {
    const after = clusterRole('reader', '[{apiGroups: [""], resources: [secrets], verbs: [list]}]') + binding('ClusterRoleBinding', 'reader', 'ClusterRole', 'reader', '{kind: Group, name: "system:serviceaccounts:shop", apiGroup: rbac.authorization.k8s.io}');
    const before = clusterRole('mine', '[{apiGroups: [""], resources: [configmaps], verbs: [list]}]') + binding('ClusterRoleBinding', 'mine', 'ClusterRole', 'mine');
    const result = changes(before, before + after);
    expect(Object.keys(result)).toEqual(['Group system:serviceaccounts:shop']);
    // web is in the group: its own grant (configmaps) is unchanged, and what the group gives it was checked with its groups.
    expect(changes(before + after, before + after)).toEqual({});
  });

  it('non-resource URLs', () => {
    expect(changes('', clusterRole('m', '[{nonResourceURLs: ["/metrics"], verbs: [get]}]') + binding('ClusterRoleBinding', 'm', 'ClusterRole', 'm'))['ServiceAccount shop/web'].gained).toEqual([
      'get /metrics cluster-wide via ClusterRoleBinding m → ClusterRole m',
    ]);
  });
});

const workload = (name: string, spec: string, labels = `app: ${name}`) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {${labels}}}
  template:
    metadata: {labels: {${labels}}}
    spec:
${spec
  .trim()
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`;
const policy = (name: string, spec: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: shop}
spec: ${spec}
`;
const WEB = workload('web', 'containers: [{name: web, image: "web:1", ports: [{containerPort: 8080}]}]');
const DB = workload('db', 'containers: [{name: db, image: "db:1", ports: [{containerPort: 5432}]}]');

describe('exposure changes', () => {
  const denyAll = policy('deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}');

  it('egress opened to the internet on one port, and to one range on all', () => {
    const before = WEB + DB + denyAll;
    const after = before + policy('out', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 443}]}, {to: [{ipBlock: {cidr: 203.0.113.0/24}}]}]}');
    expect(exposureChanges(inventory(before), inventory(after))).toEqual([
      { from: 'shop/web[Deployment]', to: '0.0.0.0-203.0.112.255', conn: 'TCP 443' },
      { from: 'shop/web[Deployment]', to: '203.0.113.0-203.0.113.255', conn: 'All Connections' },
      { from: 'shop/web[Deployment]', to: '203.0.114.0-255.255.255.255', conn: 'TCP 443' },
    ]);
  });

  it('a workload newly reachable from another, and from outside', () => {
    const before = WEB + DB + denyAll + policy('web-out', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{}]}');
    const after = before + policy('db-in', '{podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}, {from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 5432}]}]}');
    expect(exposureChanges(inventory(before), inventory(after))).toEqual([
      { from: 'shop/web[Deployment]', to: 'shop/db[Deployment]', conn: 'TCP 5432' },
      { from: 'any address', to: 'shop/db[Deployment]', conn: 'TCP 5432' },
    ]);
  });

  it('nothing when policies only narrow, and nothing for a workload new in the new version', () => {
    const before = WEB + DB;
    expect(exposureChanges(inventory(before), inventory(before + denyAll))).toEqual([]);
    expect(exposureChanges(inventory(WEB), inventory(WEB + DB))).toEqual([]);
  });
});

describe('workload changes', () => {
  const before = workload('web', `
serviceAccountName: web
automountServiceAccountToken: false
containers:
- name: web
  image: ghcr.io/acme/web:1.0
  env:
  - {name: PASSWORD, value: hunter2}
  - {name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}
`);

  it('names each security-relevant field, never an environment value', () => {
    const after = workload('web', `
serviceAccountName: web
automountServiceAccountToken: true
hostNetwork: true
containers:
- name: web
  image: docker.io/acme/web:1.1
  securityContext: {privileged: true}
  env:
  - {name: PASSWORD, value: correct-horse}
  - {name: DB, valueFrom: {secretKeyRef: {name: db-admin, key: url}}}
`);
    const result = workloadChanges(inventory(before), inventory(after));
    expect(result.containers).toEqual([
      {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        change: 'changed',
        fields: [
          { field: 'automountServiceAccountToken', before: 'false', after: 'true' },
          { field: 'hostNetwork', after: 'true' },
          { field: 'containers[name=web].image', before: 'ghcr.io/acme/web:1.0', after: 'docker.io/acme/web:1.1' },
          { field: 'containers[name=web].securityContext', after: '{"privileged":true}' },
          { field: 'containers[name=web].env[name=PASSWORD]', before: 'a literal value', after: 'another literal value' },
          { field: 'containers[name=web].env[name=DB]', before: 'from Secret db key url', after: 'from Secret db-admin key url' },
        ],
      },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/hunter2|correct-horse/);
    expect(result.registries).toEqual({ added: ['docker.io'], removed: ['ghcr.io'] });
    expect(result.tokens).toEqual([
      { object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, container: 'web', change: 'gained', token: 'ServiceAccount shop/web via automount at /var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
  });

  it('hooks added, changed (ignoring the chart version in labels) and removed', () => {
    const hook = (name: string, events: string, extra = '') => `---
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: shop
  labels: {helm.sh/chart: app-${extra || '1.0.0'}}
  annotations: {helm.sh/hook: "${events}", helm.sh/hook-delete-policy: hook-succeeded}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: run, image: "tool:1"}]
`;
    const result = workloadChanges(inventory(hook('migrate', 'pre-upgrade') + hook('label-only', 'post-install') + hook('gone', 'post-install')), inventory(hook('migrate', 'pre-upgrade,pre-install') + hook('label-only', 'post-install', '2.0.0') + hook('setup', 'pre-install')));
    expect(result.hooks.map((change) => [change.object.name, change.change, change.fields.map((field) => `${field.before ?? ''} → ${field.after ?? ''}`)])).toEqual([
      ['migrate', 'changed', ['pre-upgrade, deletes itself (hook-succeeded) → pre-upgrade,pre-install, deletes itself (hook-succeeded)']],
      ['setup', 'added', [' → pre-install, deletes itself (hook-succeeded)']],
      ['gone', 'removed', ['post-install, deletes itself (hook-succeeded) → ']],
    ]);
  });

  it('a removed workload and its images', () => {
    const result = workloadChanges(inventory(before), inventory(''));
    expect(result.containers.map((change) => [change.object.name, change.change])).toEqual([['web', 'removed']]);
    expect(result.images).toEqual([{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, container: 'web', before: 'ghcr.io/acme/web:1.0' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/rbac/engine.js';
import { groupIdentity, serviceAccountIdentity, userIdentity } from '../../src/rbac/subject.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { clusterRole, clusterRoleBinding, engineOf, engineOfYaml, role, roleBinding } from './helpers.js';

const SECRETS = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }];
const listSecrets = (namespace: string) => ({ verb: 'list', apiGroup: '', resource: 'secrets', namespace });

describe('VisitRulesFor: which bindings count for a request', () => {
  const engine = engineOf([
    clusterRole('reader', SECRETS),
    role('shop', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
    role('other', 'reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }]),
    roleBinding('shop', 'reader', 'ClusterRole', 'User:rb-cluster-role'),
    roleBinding('shop', 'reader', 'Role', 'User:rb-role'),
    clusterRoleBinding('reader', 'User:crb'),
    roleBinding('shop', 'reader', 'ClusterRole', 'ServiceAccount::ci'),
    clusterRoleBinding('reader', 'ServiceAccount::nowhere'),
    roleBinding('shop', 'reader', 'ClusterRole', 'ServiceAccount:build:builder'),
    roleBinding('shop', 'reader', 'ClusterRole', 'User:*'),
    roleBinding('shop', 'reader', 'ClusterRole', 'Group:system:serviceaccounts:build'),
  ]);
  const cases: [name: string, identity: ReturnType<typeof userIdentity>, namespace: string, allowed: boolean][] = [
    ['a RoleBinding to a ClusterRole grants in its namespace', userIdentity('rb-cluster-role'), 'shop', true],
    ['… and nowhere else', userIdentity('rb-cluster-role'), 'other', false],
    ['… and not across all namespaces', userIdentity('rb-cluster-role'), '', false],
    ['a RoleBinding resolves a Role in its own namespace (shop/reader reads pods, not secrets)', userIdentity('rb-role'), 'shop', false],
    ['a ClusterRoleBinding grants in every namespace', userIdentity('crb'), 'anything', true],
    ['… and across all namespaces', userIdentity('crb'), '', true],
    ['a namespace-less ServiceAccount in a RoleBinding takes its namespace', serviceAccountIdentity('shop', 'ci'), 'shop', true],
    ['… and is not the account of another namespace', serviceAccountIdentity('other', 'ci'), 'shop', false],
    ['a namespace-less ServiceAccount in a ClusterRoleBinding matches nobody', serviceAccountIdentity('default', 'nowhere'), 'default', false],
    ['a ServiceAccount of another namespace is granted in the binding namespace', serviceAccountIdentity('build', 'builder'), 'shop', true],
    ['User "*" is not everyone', userIdentity('mallory'), 'shop', false],
    ['… but it is the user literally named *', userIdentity('*'), 'shop', true],
    ['the implicit group system:serviceaccounts:<ns> holds every account of the namespace', serviceAccountIdentity('build', 'any'), 'shop', true],
    ['… and no account of another', serviceAccountIdentity('shop', 'any'), 'shop', false],
    ['system:masters may do anything, with no binding at all', userIdentity('root', ['system:masters']), '', true],
  ];
  it.each(cases)('%s', (_name, identity, namespace, allowed) => {
    expect(engine.can(identity, listSecrets(namespace)).allowed).toBe(allowed);
  });

  it('reports every allowing binding, ClusterRoleBindings first, in inventory order', () => {
    const multi = engineOf([
      clusterRole('a', SECRETS),
      clusterRole('b', [{ apiGroups: ['*'], resources: ['*'], verbs: ['list'] }, ...SECRETS]),
      roleBinding('shop', 'a', 'ClusterRole', 'Group:devs'),
      clusterRoleBinding('b', 'User:alice'),
      clusterRoleBinding('a', 'Group:devs', 'User:alice'),
    ]);
    const decision = multi.can(userIdentity('alice', ['devs']), listSecrets('shop'));
    expect(decision.reasons.map((reason) => `${reason.binding.kind}/${reason.role.name}/${reason.rule.resources.join(',')}`)).toEqual([
      'ClusterRoleBinding/b/*',
      'ClusterRoleBinding/a/secrets',
      'RoleBinding/a/secrets',
    ]);
    expect(decision.privileged).toBe(false);
  });

  it('privileged is reported apart from the RBAC reasons', () => {
    const decision = engine.can(groupIdentity('system:masters'), { verb: 'delete', apiGroup: '', resource: 'nodes', namespace: '' });
    expect(decision).toMatchObject({ allowed: true, privileged: true, reasons: [] });
  });
});

describe('role references', () => {
  it('a ClusterRoleBinding to a Role grants nothing (API validation refuses it; GetRoleReferenceRules finds none)', () => {
    const engine = engineOf([
      role('', 'ghost', SECRETS),
      { ...clusterRoleBinding('ghost', 'User:u'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ghost' } },
    ]);
    expect(engine.can(userIdentity('u'), listSecrets('x')).allowed).toBe(false);
    expect(engine.unresolvedBindings()[0].problem).toMatch(/ClusterRoleBinding can only reference a ClusterRole/);
  });

  it('unknown roleRef kinds, missing roleRefs and missing roles grant nothing and never throw', () => {
    const engine = engineOf([
      { ...clusterRoleBinding('x', 'User:u'), roleRef: { kind: 'Policy', name: 'x' } },
      { ...clusterRoleBinding('y', 'User:u'), roleRef: undefined },
      clusterRoleBinding('missing', 'User:u'),
      { ...roleBinding('shop', 'r', 'Role', 'User:u'), subjects: 'not a list' },
    ]);
    expect(engine.can(userIdentity('u'), listSecrets('shop')).allowed).toBe(false);
    expect(engine.unresolvedBindings().map((entry) => entry.problem)).toEqual([
      'has roleRef kind "Policy": only Role and ClusterRole are supported',
      'has no roleRef',
      'references ClusterRole "missing", which does not exist',
      'references Role "r" in namespace shop, which does not exist',
    ]);
  });

  it('Roles and ClusterRoles of other API groups are not RBAC', () => {
    const engine = engineOf([{ ...clusterRole('reader', SECRETS), apiVersion: 'example.com/v1' }, clusterRoleBinding('reader', 'User:u')]);
    expect(engine.can(userIdentity('u'), listSecrets('')).allowed).toBe(false);
  });

  it('a binding given twice counts once', () => {
    const binding = clusterRoleBinding('reader', 'User:u');
    const engine = engineOf([clusterRole('reader', SECRETS), binding, { ...binding }]);
    expect(engine.can(userIdentity('u'), listSecrets('')).reasons).toHaveLength(1);
  });
});

describe('built-in roles', () => {
  const chart = `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: vi}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: extra-view
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [list]}]
`;
  it('auto: assumed when the sources do not carry the cluster roles, and aggregation includes the chart roles', () => {
    const engine = engineOfYaml(chart, { builtinRoles: 'auto' });
    const can = (resource: string, apiGroup = '') => engine.can(userIdentity('vi'), { verb: 'list', apiGroup, resource, namespace: 'shop' }).allowed;
    expect(engine.roles.assumedBuiltins).toBe(true);
    expect(can('pods')).toBe(true);
    expect(can('secrets')).toBe(false);
    expect(can('widgets', 'example.com')).toBe(true);
  });

  it('never: a binding to view is dangling', () => {
    const engine = engineOfYaml(chart, { builtinRoles: 'never' });
    expect(engine.can(userIdentity('vi'), { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'shop' }).allowed).toBe(false);
    expect(engine.unresolvedBindings()).toHaveLength(1);
  });

  it('auto: not assumed when a bootstrap ClusterRole is present; always: filled in by name anyway', () => {
    const dump = `${chart}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:basic-user, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
rules: []
`;
    expect(buildEngine(inventoryFromText(dump).inventory).roles.assumedBuiltins).toBe(false);
    const always = buildEngine(inventoryFromText(dump).inventory, { builtinRoles: 'always' });
    expect(always.roles.assumedBuiltins).toBe(true);
    expect(always.roles.clusterRole('system:basic-user')?.builtin).toBe(false);
    expect(always.roles.clusterRole('view')?.builtin).toBe(true);
  });
});

describe('effective permissions', () => {
  it('splits cluster-wide grants from per-namespace ones, and RulesFor follows the request namespace', () => {
    const engine = engineOf([
      clusterRole('reader', SECRETS),
      clusterRole('pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      clusterRoleBinding('pods', 'Group:system:serviceaccounts'),
      roleBinding('shop', 'reader', 'ClusterRole', 'ServiceAccount:shop:ci'),
    ]);
    const ci = serviceAccountIdentity('shop', 'ci');
    const permissions = engine.effectivePermissions(ci);
    expect(permissions.cluster.map((grant) => grant.role.name)).toEqual(['pods']);
    expect([...permissions.byNamespace.keys()]).toEqual(['shop']);
    expect(engine.rulesFor(ci, '').map((rule) => rule.resources[0])).toEqual(['pods']);
    expect(engine.rulesFor(ci, 'shop').map((rule) => rule.resources[0])).toEqual(['pods', 'secrets']);
  });
});

describe('who-can', () => {
  const engine = engineOf([
    clusterRole('reader', SECRETS),
    clusterRoleBinding('reader', 'ServiceAccount:tracing:fta', 'User:system:serviceaccount:tracing:fta'),
    roleBinding('payments', 'reader', 'ClusterRole', 'ServiceAccount::app', 'Group:payments-team'),
    roleBinding('shop', 'reader', 'ClusterRole', 'User:shopper'),
  ]);
  const who = (namespace: string) => engine.whoCan(listSecrets(namespace)).map((entry) => `${entry.subject.kind}:${entry.subject.namespace ?? ''}:${entry.subject.name}`);
  it('always includes Group system:masters, then ClusterRoleBinding subjects, then the namespace RoleBinding subjects', () => {
    expect(who('payments')).toEqual(['Group::system:masters', 'ServiceAccount:tracing:fta', 'User::system:serviceaccount:tracing:fta', 'ServiceAccount:payments:app', 'Group::payments-team']);
  });
  it('across all namespaces (-A) only ClusterRoleBindings count', () => {
    expect(who('')).toEqual(['Group::system:masters', 'ServiceAccount:tracing:fta', 'User::system:serviceaccount:tracing:fta']);
  });
  it('lists the binding and role that grant each subject', () => {
    const entry = engine.whoCan(listSecrets('payments')).find((candidate) => candidate.subject.name === 'payments-team');
    expect(entry?.via.map((via) => [via.binding.kind, via.binding.namespace, via.role.name])).toEqual([['RoleBinding', 'payments', 'reader']]);
  });
});

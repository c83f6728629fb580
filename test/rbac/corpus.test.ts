// The bootstrap policy fixtures of Kubernetes (../shared/corpus/rbac-bootstrap): the built-in roles
// kubeward assumes must be these, and a default cluster must answer as Kubernetes does.
import { beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import { loadSources } from '../../src/load/sources.js';
import { builtinRoles } from '../../src/rbac/builtin-roles.js';
import { buildEngine, type RbacEngine } from '../../src/rbac/engine.js';
import { findDanglingReferences } from '../../src/rbac/dangling.js';
import { ruleKey } from '../../src/rbac/model.js';
import { RoleStore } from '../../src/rbac/roles.js';
import { identityOf, serviceAccountIdentity, userIdentity, type SubjectRef } from '../../src/rbac/subject.js';
import { corpusPath } from '../helpers/corpus.js';

const CURRENT = ['cluster-roles.yaml', 'cluster-role-bindings.yaml', 'controller-roles.yaml', 'controller-role-bindings.yaml', 'namespace-roles.yaml', 'namespace-role-bindings.yaml'];

async function inventoryOf(files: string[]): Promise<Inventory> {
  const { inventory, warnings } = await loadSources(files.map((file) => corpusPath('rbac-bootstrap', file)));
  expect(warnings).toEqual([]);
  return inventory;
}

const describeSubject = (subject: SubjectRef) => (subject.kind === 'ServiceAccount' ? `ServiceAccount ${subject.namespace}/${subject.name}` : `${subject.kind} ${subject.name}`);

/** Who can read Secrets in every namespace: get, list or watch through ClusterRoleBindings, plus system:masters. */
function clusterWideSecretReaders(engine: RbacEngine): string[] {
  const found = new Set<string>();
  for (const verb of ['get', 'list', 'watch']) for (const entry of engine.whoCan({ verb, apiGroup: '', resource: 'secrets', namespace: '' })) found.add(describeSubject(entry.subject));
  return [...found].sort();
}

describe('built-in roles are the upstream bootstrap roles', () => {
  let store: RoleStore;
  beforeAll(async () => {
    store = new RoleStore(await inventoryOf(['cluster-roles.yaml', 'namespace-roles.yaml']), 'never');
  });

  const assumed = new RoleStore(new Inventory([]), 'always');
  for (const builtin of builtinRoles()) {
    it(`${builtin.kind} ${builtin.namespace ? `${builtin.namespace}/` : ''}${builtin.name}: same rules (after aggregation) and aggregation labels`, () => {
      const upstream = store.lookup(builtin.kind, builtin.namespace, builtin.name);
      expect(upstream, 'missing from the fixtures').toBeDefined();
      const ours = assumed.lookup(builtin.kind, builtin.namespace, builtin.name);
      expect(ours?.rules.map(ruleKey)).toEqual(upstream?.rules.map(ruleKey));
      expect(ours?.rules.length).toBeGreaterThan(0);
      expect(ours?.labels).toEqual(upstream?.labels);
      expect(ours?.aggregationSelectors).toEqual(upstream?.aggregationSelectors);
    });
  }

  it('covers every ClusterRole of cluster-roles.yaml', () => {
    const ours = new Set(builtinRoles().map((role) => role.name));
    const missing = store.allRoles().filter((role) => role.kind === 'ClusterRole' && !ours.has(role.name));
    expect(missing.map((role) => role.name)).toEqual([]);
  });

  it('quick facts of the corpus README: edit reads secrets, execs, impersonates and mints tokens in its namespace; view reads no secrets', () => {
    const engine = buildEngine(
      Inventory.of([
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'e', namespace: 'shop' }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'ed' }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'v', namespace: 'shop' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'vi' }] },
      ]),
    );
    const can = (user: string, verb: string, resource: string, subresource = '', namespace = 'shop') => engine.can(userIdentity(user), { verb, apiGroup: '', resource, subresource, namespace }).allowed;
    expect(can('ed', 'list', 'secrets')).toBe(true);
    expect(can('ed', 'create', 'pods', 'exec')).toBe(true);
    expect(can('ed', 'impersonate', 'serviceaccounts')).toBe(true);
    expect(can('ed', 'create', 'serviceaccounts', 'token')).toBe(true);
    expect(can('ed', 'list', 'secrets', '', 'other')).toBe(false);
    expect(can('ed', 'create', 'rolebindings')).toBe(false);
    expect(can('vi', 'list', 'pods')).toBe(true);
    expect(can('vi', 'list', 'secrets')).toBe(false);
    expect(can('vi', 'get', 'secrets')).toBe(false);
  });
});

describe('a default cluster (the bootstrap policy)', () => {
  let engine: RbacEngine;
  beforeAll(async () => {
    engine = buildEngine(await inventoryOf(CURRENT));
  });

  it("does not assume built-in roles: it carries the cluster's own", () => {
    expect(engine.roles.assumedBuiltins).toBe(false);
  });

  it('golden: exactly these subjects can read Secrets cluster-wide', () => {
    // The research notes (from older fixtures) also list persistent-volume-binder and expand-controller
    // with `get secrets`; the 2026 controller roles no longer grant it, and storage-version-migrator has no binding.
    expect(clusterWideSecretReaders(engine)).toEqual([
      'Group system:masters',
      'ServiceAccount kube-system/generic-garbage-collector',
      'ServiceAccount kube-system/namespace-controller',
      'ServiceAccount kube-system/resourcequota-controller',
      'User system:kube-controller-manager',
    ]);
  });

  it('the same with the feature-gated controller roles', async () => {
    const gated = buildEngine(await inventoryOf(['cluster-roles-featuregates.yaml', 'cluster-role-bindings.yaml', 'controller-roles-featuregates.yaml', 'controller-role-bindings.yaml']));
    expect(clusterWideSecretReaders(gated)).toEqual(clusterWideSecretReaders(engine));
  });

  it('why each can: the binding, the role, the rule', () => {
    const decision = engine.can(serviceAccountIdentity('kube-system', 'resourcequota-controller'), { verb: 'list', apiGroup: '', resource: 'secrets', namespace: '' });
    expect(decision.reasons.map((reason) => [reason.binding.name, reason.role.name, reason.rule.resources, reason.rule.verbs])).toEqual([
      ['system:controller:resourcequota-controller', 'system:controller:resourcequota-controller', ['*'], ['list', 'watch']],
    ]);
    expect(engine.can(serviceAccountIdentity('kube-system', 'resourcequota-controller'), { verb: 'get', apiGroup: '', resource: 'secrets', namespace: '' }).allowed).toBe(false);
  });

  it('kube-system RoleBindings read secrets in kube-system only', () => {
    const cleaner = serviceAccountIdentity('kube-system', 'token-cleaner');
    expect(engine.can(cleaner, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'kube-system' }).allowed).toBe(true);
    expect(engine.can(cleaner, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: '' }).allowed).toBe(false);
    expect(engine.can(cleaner, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'default' }).allowed).toBe(false);
  });

  it('every authenticated user may read /healthz and create SelfSubjectAccessReviews; anonymous only /healthz', () => {
    const alice = userIdentity('alice');
    const anonymous = userIdentity('system:anonymous');
    expect(engine.can(alice, { verb: 'get', path: '/healthz' }).allowed).toBe(true);
    expect(engine.can(anonymous, { verb: 'get', path: '/healthz' }).allowed).toBe(true);
    expect(engine.can(alice, { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '' }).allowed).toBe(true);
    expect(engine.can(anonymous, { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '' }).allowed).toBe(false);
    expect(engine.can(alice, { verb: 'get', path: '/apis/apps' }).allowed).toBe(true);
    expect(engine.can(anonymous, { verb: 'get', path: '/apis/apps' }).allowed).toBe(false);
  });

  it('system:node has no subjects: nodes get nothing through RBAC', () => {
    const node = identityOf({ kind: 'User', name: 'system:node:worker-1' }, ['system:nodes']);
    expect(engine.can(node, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'default' }).allowed).toBe(false);
  });

  it('reports the one dangling binding (podcheckpoint-controller), and nothing else dangles', () => {
    const dangling = findDanglingReferences(engine);
    expect(dangling.map((reference) => [reference.kind, reference.binding.name])).toEqual([['role', 'system:controller:podcheckpoint-controller']]);
    expect(dangling[0].problem).toMatch(/ClusterRole "system:controller:podcheckpoint-controller", which does not exist/);
  });

  it('reads the 2017 v1beta1 roles, which carry explicit rules instead of aggregation', async () => {
    const legacy = buildEngine(await inventoryOf(['legacy-f587127f/cluster-roles.yaml']), { builtinRoles: 'never' });
    expect(legacy.roles.clusterRole('admin')?.aggregationSelectors).toBeUndefined();
    expect(legacy.roles.clusterRole('admin')?.rules.length).toBeGreaterThan(5);
    expect(legacy.roles.clusterRole('view')?.rules.some((rule) => rule.resources.includes('secrets'))).toBe(false);
  });
});

// Least privilege from audit logs (issue 13): the roles generated from what a subject did, their
// shape, their exactness, and their verification by the RBAC engine.
import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import type { KubeObject } from '../../src/core/object.js';
import { emptyAuditStats, parseAuditLine } from '../../src/detect/audit.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { ruleAllows, type RequestAttributes } from '../../src/rbac/authorizer.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { generateRbac, renderGeneratedRbac, rulesFor } from '../../src/rbac/generate.js';
import { lineMayConcern, requestAttributesOf, SubjectActivity, type ObservedRequest } from '../../src/rbac/observed.js';
import { identityOf, parseSubject, serviceAccountIdentity, userIdentity, type SubjectRef } from '../../src/rbac/subject.js';
import { verifyGenerated } from '../../src/rbac/verify.js';
import { auditLog, request, SA, type RequestSpec } from './audit-events.js';
import { clusterRoleBinding, clusterRole } from './helpers.js';

function activityOf(subject: SubjectRef, log: string, window = {}): SubjectActivity {
  const activity = new SubjectActivity(subject, window);
  const stats = emptyAuditStats();
  for (const line of log.split('\n')) for (const event of parseAuditLine(line, stats)) activity.add(event);
  return activity;
}

function generate(subjectText: string, specs: RequestSpec[], times = 1) {
  const subject = parseSubject(subjectText);
  const activity = activityOf(subject, auditLog(specs, times));
  const requests = activity.requests().filter((entry) => entry.allowed > 0);
  const generated = generateRbac(subject, requests);
  const verification = verifyGenerated(generated, subject, identityOf(subject), requests);
  return { subject, activity, requests, generated, verification };
}

/** The objects as a person reads them: kind, namespace, rules in manifest form. */
function shape(objects: KubeObject[]) {
  return objects.map((object) => ({ kind: object.kind, namespace: object.metadata.namespace, ...(object.rules ? { rules: object.rules } : { roleRef: object.roleRef, subjects: object.subjects }) }));
}

const CONTROLLER = SA('ops', 'controller');

describe('rbac generate: the shape of the roles', () => {
  it('a controller-like ServiceAccount (list/watch cluster-wide on a few kinds) gets a ClusterRole and a ClusterRoleBinding, and a Role for its lock', () => {
    const { generated, verification, activity } = generate('ServiceAccount:ops:controller', [
      { user: CONTROLLER, verb: 'list', resource: 'pods' },
      { user: CONTROLLER, verb: 'watch', resource: 'pods', started: true },
      { user: CONTROLLER, verb: 'list', resource: 'services' },
      { user: CONTROLLER, verb: 'watch', resource: 'services' },
      { user: CONTROLLER, verb: 'list', resource: 'deployments', group: 'apps' },
      { user: CONTROLLER, verb: 'watch', resource: 'deployments', group: 'apps' },
      { user: CONTROLLER, verb: 'list', resource: 'nodes' },
      // namespaced reads the cluster-wide list already allows need no Role
      { user: CONTROLLER, verb: 'list', resource: 'pods', namespace: 'shop' },
      // leader election: create is unnamed, get/update name the lock
      { user: CONTROLLER, verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'ops', name: 'controller-lock' },
      { user: CONTROLLER, verb: 'get', resource: 'leases', group: 'coordination.k8s.io', namespace: 'ops', name: 'controller-lock' },
      { user: CONTROLLER, verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: 'ops', name: 'controller-lock' },
      // another subject's requests are not this one's
      { user: SA('ops', 'other'), verb: 'list', resource: 'secrets' },
    ], 5);
    expect(activity.stats).toMatchObject({ requests: 55, allowed: 55, denied: 0, duplicates: 5 });
    expect(shape(generated.objects)).toEqual([
      {
        kind: 'ClusterRole',
        namespace: undefined,
        rules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
          { apiGroups: [''], resources: ['pods', 'services'], verbs: ['list', 'watch'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
        ],
      },
      { kind: 'ClusterRoleBinding', namespace: undefined, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeward:serviceaccount:ops:controller' }, subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: 'ops' }] },
      {
        kind: 'Role',
        namespace: 'ops',
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['controller-lock'], verbs: ['get', 'update'] },
        ],
      },
      { kind: 'RoleBinding', namespace: 'ops', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeward:serviceaccount:ops:controller' }, subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: 'ops' }] },
    ]);
    expect(verification.notAllowed).toEqual([]);
    expect(verification.risks).toEqual([]);
  });

  it('a namespaced app reading one ConfigMap and one Secret by name gets a Role with resourceNames, and no ClusterRole', () => {
    const app = SA('shop', 'web');
    const { generated, verification } = generate('ServiceAccount:shop:web', [
      { user: app, verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'web-config' },
      { user: app, verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db' },
      { user: app, verb: 'watch', resource: 'configmaps', namespace: 'shop', name: 'web-config' },
    ], 3);
    expect(shape(generated.objects)).toEqual([
      {
        kind: 'Role',
        namespace: 'shop',
        rules: [
          { apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get', 'watch'] },
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['web-db'], verbs: ['get'] },
        ],
      },
      { kind: 'RoleBinding', namespace: 'shop', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeward:serviceaccount:shop:web' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
    ]);
    // Reading a Secret by name is a (low) risk, and the output names the request that needed it.
    expect(verification.risks.map((need) => [need.risk.id, need.severity, need.namespaces, need.neededBy.map((request) => request.key)])).toEqual([
      ['rbac-get-secrets', 'low', ['shop'], [['get', 'shop', '', 'secrets', '', 'web-db'].join('\u0000')]],
    ]);
  });

  it('subresources exactly (pods/log, deployments/scale) and non-resource URLs in the ClusterRole', () => {
    const ops = 'alice@example.com';
    const { generated } = generate(`User:${ops}`, [
      { user: ops, verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-1' },
      { user: ops, verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-2' },
      { user: ops, verb: 'get', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: 'shop', name: 'web' },
      { user: ops, verb: 'patch', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: 'shop', name: 'web' },
      { user: ops, verb: 'get', path: '/healthz', query: 'verbose' },
      { user: ops, verb: 'get', path: '/metrics' },
      { user: ops, verb: 'post', path: '/logs/kube-apiserver.log' },
    ]);
    expect(shape(generated.objects).filter((object) => 'rules' in object)).toEqual([
      { kind: 'ClusterRole', namespace: undefined, rules: [{ nonResourceURLs: ['/healthz', '/metrics'], verbs: ['get'] }, { nonResourceURLs: ['/logs/kube-apiserver.log'], verbs: ['post'] }] },
      {
        kind: 'Role',
        namespace: 'shop',
        rules: [
          { apiGroups: [''], resources: ['pods/log'], resourceNames: ['web-1', 'web-2'], verbs: ['get'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['web'], verbs: ['get', 'patch'] },
        ],
      },
    ]);
    expect(generated.objects.find((object) => object.kind === 'ClusterRoleBinding')?.subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: ops }]);
  });

  it('a create has no name when authorized, though the audit log fills it in; a list by field selector has one', () => {
    const app = SA('shop', 'web');
    const { generated } = generate('ServiceAccount:shop:web', [
      { user: app, verb: 'create', resource: 'configmaps', namespace: 'shop', name: 'made-1' },
      { user: app, verb: 'list', resource: 'secrets', namespace: 'shop', name: 'only-this' },
      { user: app, verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'shop', name: 'web-1' },
    ]);
    expect(generated.roles.map((role) => role.rules.map((rule) => `${rule.verbs} ${rule.resources} [${rule.resourceNames}]`))).toEqual([
      ['create configmaps []', 'create pods/eviction [web-1]', 'list secrets [only-this]'],
    ]);
  });

  it('reading a namespace object is a request in that namespace: a Role there, as the API server authorizes it', () => {
    const app = SA('shop', 'web');
    const { generated, verification } = generate('ServiceAccount:shop:web', [{ user: app, verb: 'get', resource: 'namespaces', namespace: 'shop', name: 'shop' }]);
    expect(generated.roles.map((role) => [role.kind, role.namespace, role.rules[0].resources, role.rules[0].resourceNames])).toEqual([['Role', 'shop', ['namespaces'], ['shop']]]);
    expect(verification.notAllowed).toEqual([]);
  });

  it('a Group subject: requests of any member; bindings name the Group', () => {
    const { generated } = generate('Group:ci', [
      { user: 'bot-1', groups: ['ci', 'system:authenticated'], verb: 'create', resource: 'jobs', group: 'batch', namespace: 'build' },
      { user: 'bot-2', groups: ['ci', 'system:authenticated'], verb: 'delete', resource: 'jobs', group: 'batch', namespace: 'build', name: 'old' },
      { user: 'eve', groups: ['system:authenticated'], verb: 'delete', resource: 'pods', namespace: 'build', name: 'x' },
    ]);
    expect(shape(generated.objects)).toEqual([
      { kind: 'Role', namespace: 'build', rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }, { apiGroups: ['batch'], resources: ['jobs'], resourceNames: ['old'], verbs: ['delete'] }] },
      { kind: 'RoleBinding', namespace: 'build', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeward:group:ci' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ci' }] },
    ]);
  });
});

describe('rbac generate: reading the audit log', () => {
  it('impersonation: the request is the impersonated account\'s; the actor needed impersonate on it and on the groups it asked for', () => {
    const alice = 'alice@example.com';
    const log = auditLog([
      { user: alice, impersonate: { username: SA('ops', 'deployer') }, verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'ops', name: 'web' },
      { user: alice, impersonate: { username: 'bob', groups: ['admins', 'system:authenticated'] }, verb: 'get', resource: 'nodes', name: 'n1' },
    ]);
    const asAlice = activityOf({ kind: 'User', name: alice }, log).requests().map((entry) => entry.attributes);
    expect(asAlice).toEqual([
      { verb: 'impersonate', namespace: '', apiGroup: '', resource: 'groups', subresource: '', name: 'admins' },
      { verb: 'impersonate', namespace: '', apiGroup: '', resource: 'users', subresource: '', name: 'bob' },
      { verb: 'impersonate', namespace: 'ops', apiGroup: '', resource: 'serviceaccounts', subresource: '', name: 'deployer' },
    ]);
    const asDeployer = activityOf({ kind: 'ServiceAccount', namespace: 'ops', name: 'deployer' }, log).requests().map((entry) => entry.attributes);
    expect(asDeployer).toEqual([{ verb: 'patch', namespace: 'ops', apiGroup: 'apps', resource: 'deployments', subresource: '', name: 'web' }]);
  });

  it('counts each request once (ResponseStarted and ResponseComplete, a log read twice), keeps to --since/--until, and skips failed authentication', () => {
    const subject: SubjectRef = { kind: 'ServiceAccount', namespace: 'ops', name: 'controller' };
    const once = auditLog([
      { user: CONTROLLER, verb: 'watch', resource: 'pods', started: true, at: 10 },
      { user: CONTROLLER, verb: 'list', resource: 'pods', at: 20 },
      { user: CONTROLLER, verb: 'get', resource: 'pods', namespace: 'a', name: 'x', at: 30, code: 401, decision: null },
      { user: CONTROLLER, verb: 'get', resource: 'secrets', namespace: 'a', name: 'x', at: 40, code: 403, decision: null },
    ]);
    const activity = activityOf(subject, once + once);
    expect(activity.stats).toMatchObject({ events: 10, requests: 3, allowed: 2, denied: 1, duplicates: 6, unreadable: 1 });
    const windowed = activityOf(subject, once, { since: Date.parse('2026-03-01T10:00:15Z'), until: Date.parse('2026-03-01T10:00:45Z') });
    expect(windowed.stats).toMatchObject({ requests: 2, allowed: 1, denied: 1, outsideWindow: 2 });
  });

  it('reads the request namespace from the URI (as the API server does), and decodes non-resource paths', () => {
    const [line] = request({ user: CONTROLLER, verb: 'create', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name: 'x' });
    const event = JSON.parse(line);
    // the audit backend filled the namespace in from a body that carried one: authorization saw none
    event.objectRef.namespace = 'ops';
    const [parsed] = parseAuditLine(JSON.stringify(event), emptyAuditStats());
    expect(requestAttributesOf(parsed)).toEqual({ verb: 'create', namespace: '', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', subresource: '', name: '' });
    const [url] = parseAuditLine(request({ user: CONTROLLER, verb: 'get', path: '/logs/a%20b', query: 'x=1' })[0], emptyAuditStats());
    expect(requestAttributesOf(url)).toEqual({ verb: 'get', path: '/logs/a b', namespace: '' });
  });

  it('the line pre-filter never drops a line that concerns the subject, escapes included', () => {
    const mayConcern = lineMayConcern({ kind: 'ServiceAccount', namespace: 'ops', name: 'controller' })!;
    const [line] = request({ user: CONTROLLER, verb: 'list', resource: 'pods' });
    expect(mayConcern(line)).toBe(true);
    expect(mayConcern(line.replace('system:serviceaccount', 'system\\u003aserviceaccount'))).toBe(true);
    expect(mayConcern(line.replace(/system:serviceaccount:ops:controller/g, 'system:serviceaccount:ops:other'))).toBe(false);
    // Go escapes & < > for HTML: such escapes cannot spell the name, so the line is still skipped
    expect(mayConcern(line.replace(/system:serviceaccount:ops:controller/g, 'x').replace('/api/v1/pods', '/api/v1/pods?a=1\\u0026b=2'))).toBe(false);
    expect(lineMayConcern({ kind: 'User', name: 'o\'brien&co' })).toBeUndefined();
  });
});

describe('rbac generate: verified by the RBAC engine', () => {
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
  const requestArbitrary = fc.oneof(
    { weight: 6, arbitrary: fc.record({
      verb: fc.constantFrom(...verbs),
      namespace: fc.constantFrom('', 'a', 'b'),
      apiGroup: fc.constantFrom('', 'apps'),
      resource: fc.constantFrom('pods', 'secrets', 'deployments'),
      subresource: fc.constantFrom('', '', 'log', 'scale'),
      name: fc.constantFrom('', 'x', 'y'),
    }) },
    { weight: 1, arbitrary: fc.record({ verb: fc.constantFrom('get', 'post'), path: fc.constantFrom('/healthz', '/metrics', '/api'), namespace: fc.constant('') }) },
  ) as fc.Arbitrary<RequestAttributes>;

  it('exact: the rules allow every request they were made from and no other of the same verbs, resources and names', () => {
    fc.assert(
      fc.property(fc.array(requestArbitrary, { minLength: 1, maxLength: 25 }), fc.array(requestArbitrary, { maxLength: 40 }), (observed, probes) => {
        const rules = rulesFor(observed);
        const allowed = (request: RequestAttributes) => rules.some((rule) => ruleAllows(request, rule));
        for (const request of observed) expect(allowed(request)).toBe(true);
        for (const probe of probes) {
          // A verb seen unnamed on a resource covers every name (RBAC cannot say less); anything else must have been seen.
          const seen = observed.some((request) =>
            probe.path !== undefined
              ? request.path === probe.path && request.verb === probe.verb
              : request.path === undefined && request.verb === probe.verb && request.apiGroup === probe.apiGroup && request.resource === probe.resource && request.subresource === probe.subresource && (request.name === probe.name || request.name === ''),
          );
          expect(allowed({ ...probe, namespace: '' })).toBe(seen);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round trip: every observed request is allowed by the generated objects alone, in any scope mix; nothing carries a risk no request needed', () => {
    fc.assert(
      fc.property(fc.array(requestArbitrary, { minLength: 1, maxLength: 25 }), (attributes) => {
        const subject: SubjectRef = { kind: 'ServiceAccount', namespace: 'a', name: 'app' };
        const requests: ObservedRequest[] = attributes.map((entry, index) => ({ attributes: entry, key: String(index), allowed: 1, denied: 0, first: 0, last: 0 }));
        const generated = generateRbac(subject, requests);
        const verification = verifyGenerated(generated, subject, serviceAccountIdentity('a', 'app'), requests);
        expect(verification.notAllowed).toEqual([]);
        expect(verification.unjustified).toEqual([]);
        // what a person would also check: the YAML as written reads back to the same decisions
        const engine = buildEngine(inventoryFromText(renderGeneratedRbac(generated, summaryOf(subject, requests, verification))).inventory, { builtinRoles: 'never' });
        for (const request of requests) expect(engine.can(serviceAccountIdentity('a', 'app'), request.attributes).allowed).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('with the cluster: what its other bindings already allow is left to them; a same-named role not written by kubeward is reported as replaced', () => {
    const subject: SubjectRef = { kind: 'User', name: 'alice' };
    const cluster = Inventory.of([
      clusterRole('discovery', [{ nonResourceURLs: ['/api', '/apis'], verbs: ['get'] }]),
      clusterRoleBinding('discovery', 'Group:system:authenticated'),
      clusterRole('kubeward:user:alice', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
      clusterRoleBinding('kubeward:user:alice', 'User:alice'),
    ]);
    const requests: ObservedRequest[] = [
      { attributes: { verb: 'get', path: '/api', namespace: '' }, key: 'a', allowed: 1, denied: 0, first: 0, last: 0 },
      { attributes: { verb: 'list', apiGroup: '', resource: 'pods', subresource: '', name: '', namespace: '' }, key: 'b', allowed: 1, denied: 0, first: 0, last: 0 },
    ];
    const identity = userIdentity('alice');
    const generated = generateRbac(subject, requests.slice(1));
    const verification = verifyGenerated(generated, subject, identity, requests, { cluster, engine: { builtinRoles: 'never' } });
    expect(verification.notAllowed).toEqual([]);
    expect(verification.replaces.map((object) => object.kind)).toEqual(['ClusterRole']);
    // without the cluster, the discovery request is not allowed by the generated set: verification says so
    expect(verifyGenerated(generated, subject, identity, requests).notAllowed.map((request) => request.key)).toEqual(['a']);
  });

  it('a risk reachable only together with what the cluster grants through a group is new too, and named', () => {
    const subject: SubjectRef = { kind: 'ServiceAccount', namespace: 'ci', name: 'signer' };
    const cluster = Inventory.of([
      clusterRole('csr-approver', [
        { verbs: ['update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'] },
        { verbs: ['approve'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client'] },
      ]),
      clusterRoleBinding('csr-approver', 'Group:system:serviceaccounts:ci'),
    ]);
    const requests: ObservedRequest[] = [{ attributes: { verb: 'create', apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: '', name: '', namespace: '' }, key: 'csr', allowed: 2, denied: 0, first: 0, last: 0 }];
    const generated = generateRbac(subject, requests);
    const verification = verifyGenerated(generated, subject, serviceAccountIdentity('ci', 'signer'), requests, { cluster, engine: { builtinRoles: 'never' } });
    expect(verification.risks.map((need) => [need.risk.id, need.neededBy.map((request) => request.key)])).toEqual([['rbac-approve-csr', ['csr']]]);
    // the generated role alone carries no risk: without the cluster, nothing is named
    expect(verifyGenerated(generated, subject, serviceAccountIdentity('ci', 'signer'), requests).risks).toEqual([]);
  });

  it('names the risks carried with the requests that needed them, and the escalation paths they open', () => {
    const deployer = SA('ci', 'deployer');
    const { verification, generated } = generate('ServiceAccount:ci:deployer', [
      { user: deployer, verb: 'create', resource: 'pods', namespace: 'kube-system' },
      { user: deployer, verb: 'list', resource: 'secrets' },
    ]);
    expect(verification.risks.map((need) => `${need.risk.id} ${need.severity} ${need.clusterWide ? 'cluster' : need.namespaces}`)).toEqual(['rbac-read-secrets critical cluster', 'rbac-create-pods critical kube-system']);
    expect(verification.newPaths.map((path) => path.goal)).toEqual(['all-secrets']);
    const yaml = renderGeneratedRbac(generated, summaryOf({ kind: 'ServiceAccount', namespace: 'ci', name: 'deployer' }, generated.roles.length ? [] : [], verification));
    expect(yaml).toMatch(/# {3}rbac-read-secrets \(critical, cluster-wide\): needed by list secrets cluster-wide \(1 request\)/);
    expect(yaml).toMatch(/# escalation path to all Secrets these roles open: lists secrets in every namespace/);
    expect(jsYaml.loadAll(yaml)).toHaveLength(4);
  });
});

describe('rbac generate: hostile names', () => {
  it('a name from the log cannot end a header comment and add YAML: controls are shown as escapes', () => {
    const app = SA('shop', 'web');
    const name = 'db\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\u2028\x1b[2K';
    const { generated, verification, subject, requests } = generate('ServiceAccount:shop:web', [{ user: app, verb: 'get', resource: 'secrets', namespace: 'shop', name }]);
    const yaml = renderGeneratedRbac(generated, summaryOf(subject, requests, verification));
    const documents = jsYaml.loadAll(yaml) as KubeObject[];
    expect(documents.map((document) => document.kind)).toEqual(['Role', 'RoleBinding']);
    expect((documents[0].rules as { resourceNames: string[] }[])[0].resourceNames).toEqual([name]);
    expect(yaml.split('\n---\n')[0]).toContain('get secrets named db\\n---\\napiVersion');
    expect(yaml).not.toContain('\x1b');
  });
});

function summaryOf(subject: SubjectRef, requests: ObservedRequest[], verification: ReturnType<typeof verifyGenerated>) {
  return {
    subject,
    logs: ['audit.log'],
    window: {},
    stats: { events: requests.length, requests: requests.length, allowed: requests.length, denied: 0, outsideWindow: 0, duplicates: 0, unreadable: 0, first: 0, last: 0 },
    generatedFor: requests,
    alreadyAllowed: [],
    includeDenied: false,
    verification,
    notes: [],
  };
}

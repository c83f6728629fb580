// The upstream authorizer's test vectors (kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/rbac_test.go,
// pkg/registry/rbac/validation/rule_test.go, subject_locator_test.go), ported as tables.
import { describe, expect, it } from 'vitest';
import { appliesTo, nonResourceURLMatches, resourceMatches, ruleAllows, type RequestAttributes } from '../../src/rbac/authorizer.js';
import type { Subject } from '../../src/rbac/model.js';
import type { Identity } from '../../src/rbac/subject.js';
import { clusterRole, clusterRoleBinding, engineOf, newRule, role, roleBinding, rule } from './helpers.js';

/** A user.Info exactly as the upstream tests build it: no implicit groups added. */
function raw(name: string, groups = ''): Identity {
  return { name, groups: groups ? groups.split(',') : [], subject: { kind: 'User', name } };
}

/** defaultAttributes{user, groups, verb, resource, subresource, namespace, apiGroup} */
type DefaultAttributes = [user: string, groups: string, verb: string, resource: string, subresource: string, namespace: string, apiGroup: string];
const request = ([, , verb, resource, subresource, namespace, apiGroup]: DefaultAttributes): RequestAttributes => ({ verb, resource, subresource, namespace, apiGroup });

describe('TestAuthorizer (rbac_test.go)', () => {
  const cases: { name: string; objects: ReturnType<typeof clusterRole>[]; pass: DefaultAttributes[]; fail: DefaultAttributes[] }[] = [
    {
      name: 'RoleBinding to a ClusterRole grants only in its namespace; verbs are case-sensitive',
      objects: [clusterRole('admin', [newRule('*', '*', '*', '*')]), roleBinding('ns1', 'admin', 'ClusterRole', 'User:admin', 'Group:admins')],
      pass: [
        ['admin', '', 'get', 'Pods', '', 'ns1', ''],
        ['admin', '', 'watch', 'Pods', '', 'ns1', ''],
        ['admin', 'group1', 'watch', 'Foobar', '', 'ns1', ''],
        ['joe', 'admins', 'watch', 'Foobar', '', 'ns1', ''],
        ['joe', 'group1,admins', 'watch', 'Foobar', '', 'ns1', ''],
      ],
      fail: [
        ['admin', '', 'GET', 'Pods', '', 'ns2', ''],
        ['admin', '', 'GET', 'Nodes', '', '', ''],
        ['admin', 'admins', 'GET', 'Pods', '', 'ns2', ''],
        ['admin', 'admins', 'GET', 'Nodes', '', '', ''],
      ],
    },
    {
      name: 'a rule on pods does not cover pods/status',
      objects: [clusterRole('admin', [newRule('*', '*', 'pods', '*')]), roleBinding('ns1', 'admin', 'ClusterRole', 'User:admin', 'Group:admins')],
      pass: [['admin', '', 'get', 'pods', '', 'ns1', '']],
      fail: [['admin', '', 'get', 'pods', 'status', 'ns1', '']],
    },
    {
      name: 'a rule on pods/status does not cover pods',
      objects: [clusterRole('admin', [newRule('*', '*', 'pods/status', '*')]), roleBinding('ns1', 'admin', 'ClusterRole', 'User:admin', 'Group:admins')],
      pass: [['admin', '', 'get', 'pods', 'status', 'ns1', '']],
      fail: [['admin', '', 'get', 'pods', '', 'ns1', '']],
    },
    {
      name: '*/scale covers the scale subresource of anything (research §2.1 case D)',
      objects: [clusterRole('scaler', [newRule('get', '*', 'pods/status,*/scale', '')]), roleBinding('ns1', 'scaler', 'ClusterRole', 'User:u')],
      pass: [
        ['u', '', 'get', 'pods', 'status', 'ns1', ''],
        ['u', '', 'get', 'pods', 'scale', 'ns1', ''],
        ['u', '', 'get', 'deployments', 'scale', 'ns1', 'apps'],
        ['u', '', 'get', 'anything', 'scale', 'ns1', 'whatever.io'],
      ],
      fail: [
        ['u', '', 'get', 'pods', '', 'ns1', ''],
        ['u', '', 'get', 'deployments', 'scales', 'ns1', 'apps'],
      ],
    },
  ];
  for (const testCase of cases) {
    describe(testCase.name, () => {
      const engine = engineOf(testCase.objects);
      it.each(testCase.pass.map((attributes) => [attributes.join(' '), attributes] as const))('allows %s', (_label, attributes) => {
        expect(engine.can(raw(attributes[0], attributes[1]), request(attributes)).allowed).toBe(true);
      });
      it.each(testCase.fail.map((attributes) => [attributes.join(' '), attributes] as const))('denies %s', (_label, attributes) => {
        expect(engine.can(raw(attributes[0], attributes[1]), request(attributes)).allowed).toBe(false);
      });
    });
  }

  describe('non-resource URLs, bound by ClusterRoleBindings', () => {
    const engine = engineOf([
      clusterRole('non-resource-url-getter', [newRule('get', '', '', '/apis')]),
      clusterRole('non-resource-url', [newRule('*', '', '', '/apis')]),
      clusterRole('non-resource-url-prefix', [newRule('get', '', '', '/apis/*')]),
      clusterRoleBinding('non-resource-url-getter', 'User:foo', 'Group:bar'),
      clusterRoleBinding('non-resource-url', 'User:admin', 'Group:admin'),
      clusterRoleBinding('non-resource-url-prefix', 'User:prefixed', 'Group:prefixed'),
    ]);
    const table: [user: string, groups: string, verb: string, path: string, allowed: boolean][] = [
      ['foo', '', 'get', '/apis', true],
      ['', 'bar', 'get', '/apis', true],
      ['admin', '', 'get', '/apis', true],
      ['', 'admin', 'get', '/apis', true],
      ['admin', '', 'watch', '/apis', true],
      ['', 'admin', 'watch', '/apis', true],
      ['prefixed', '', 'get', '/apis/v1', true],
      ['', 'prefixed', 'get', '/apis/v1', true],
      ['prefixed', '', 'get', '/apis/v1/foobar', true],
      ['', 'prefixed', 'get', '/apis/v1/foorbar', true],
      ['foo', '', 'watch', '/apis', false],
      ['', 'bar', 'watch', '/apis', false],
      ['foo', '', 'get', '/api/v1', false],
      ['', 'bar', 'get', '/api/v1', false],
      ['admin', '', 'get', '/api/v1', false],
      ['', 'admin', 'get', '/api/v1', false],
      ['prefixed', '', 'get', '/api/v1', false],
      ['', 'prefixed', 'get', '/api/v1', false],
    ];
    it.each(table)('user %j groups %j: %s %s → %s', (user, groups, verb, path, allowed) => {
      expect(engine.can(raw(user, groups), { verb, path }).allowed).toBe(allowed);
    });
  });
});

describe('TestRuleMatches (rbac_test.go)', () => {
  const resourceRequest = (verb: string, apiGroup: string, resource: string, subresource = ''): RequestAttributes => ({ verb, apiGroup, resource, subresource });
  const matrix = (expected: boolean[]) =>
    [
      ['verb1', 'group1', 'resource1'],
      ['verb1', 'group2', 'resource1'],
      ['verb1', 'group1', 'resource2'],
      ['verb1', 'group2', 'resource2'],
      ['verb2', 'group1', 'resource1'],
      ['verb2', 'group2', 'resource1'],
      ['verb2', 'group1', 'resource2'],
      ['verb2', 'group2', 'resource2'],
    ].map(([verb, group, resource], index) => [resourceRequest(verb, group, resource), expected[index]] as const);
  const cases: { name: string; rule: ReturnType<typeof rule>; requests: (readonly [RequestAttributes, boolean])[] }[] = [
    { name: 'star verb, exact match other', rule: rule({ verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }), requests: matrix([true, false, false, false, true, false, false, false]) },
    { name: 'star group, exact match other', rule: rule({ verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] }), requests: matrix([true, true, false, false, false, false, false, false]) },
    { name: 'star resource, exact match other', rule: rule({ verbs: ['verb1'], apiGroups: ['group1'], resources: ['*'] }), requests: matrix([true, false, true, false, false, false, false, false]) },
    { name: 'tuple expansion', rule: rule({ verbs: ['verb1', 'verb2'], apiGroups: ['group1', 'group2'], resources: ['resource1', 'resource2'] }), requests: matrix([true, true, true, true, true, true, true, true]) },
    {
      name: 'subresource expansion',
      rule: rule({ verbs: ['*'], apiGroups: ['*'], resources: ['resource1/subresource1'] }),
      requests: [
        [resourceRequest('verb1', 'group1', 'resource1', 'subresource1'), true],
        [resourceRequest('verb1', 'group2', 'resource1', 'subresource2'), false],
        [resourceRequest('verb1', 'group1', 'resource2', 'subresource1'), false],
        [resourceRequest('verb1', 'group2', 'resource2', 'subresource1'), false],
        [resourceRequest('verb2', 'group1', 'resource1', 'subresource1'), true],
        [resourceRequest('verb2', 'group2', 'resource1', 'subresource2'), false],
        [resourceRequest('verb2', 'group1', 'resource2', 'subresource1'), false],
        [resourceRequest('verb2', 'group2', 'resource2', 'subresource1'), false],
      ],
    },
    {
      name: 'star nonresource, exact match other',
      rule: rule({ verbs: ['verb1'], nonResourceURLs: ['*'] }),
      requests: ['/foo', '/foo/bar', '/foo/baz', '/foo/bar/one', '/foo/baz/one'].flatMap((path) => [
        [{ verb: 'verb1', path }, true] as const,
        [{ verb: 'verb2', path }, false] as const,
      ]),
    },
    {
      name: 'star nonresource subpath',
      rule: rule({ verbs: ['verb1'], nonResourceURLs: ['/foo/*'] }),
      requests: [
        [{ verb: 'verb1', path: '/foo' }, false],
        [{ verb: 'verb1', path: '/foo/bar' }, true],
        [{ verb: 'verb1', path: '/foo/baz' }, true],
        [{ verb: 'verb1', path: '/foo/bar/one' }, true],
        [{ verb: 'verb1', path: '/foo/baz/one' }, true],
        [{ verb: 'verb1', path: '/notfoo' }, false],
        [{ verb: 'verb1', path: '/notfoo/bar' }, false],
        [{ verb: 'verb1', path: '/notfoo/baz' }, false],
        [{ verb: 'verb1', path: '/notfoo/bar/one' }, false],
        [{ verb: 'verb1', path: '/notfoo/baz/one' }, false],
      ],
    },
    {
      name: 'star verb, exact nonresource',
      rule: rule({ verbs: ['*'], nonResourceURLs: ['/foo', '/foo/bar/one'] }),
      requests: ['verb1', 'verb2'].flatMap((verb) =>
        (
          [
            ['/foo', true],
            ['/foo/bar', false],
            ['/foo/baz', false],
            ['/foo/bar/one', true],
            ['/foo/baz/one', false],
          ] as const
        ).map(([path, allowed]) => [{ verb, path }, allowed] as const),
      ),
    },
  ];
  for (const testCase of cases) {
    it.each(testCase.requests.map(([request, allowed]) => [JSON.stringify(request), request, allowed] as const))(`${testCase.name}: %s`, (_label, request, allowed) => {
      expect(ruleAllows(request, testCase.rule)).toBe(allowed);
    });
  }
});

describe('rule matching corners (evaluation_helpers.go, read from the code)', () => {
  const cases: [name: string, rule: ReturnType<typeof rule>, request: RequestAttributes, allowed: boolean][] = [
    ['resourceNames never match an unnamed request (list)', rule({ verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }), { verb: 'list', apiGroup: '', resource: 'secrets' }, false],
    ['resourceNames match the named request', rule({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }), { verb: 'get', apiGroup: '', resource: 'secrets', name: 'b' }, true],
    ['resourceNames do not match another name', rule({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }), { verb: 'get', apiGroup: '', resource: 'secrets', name: 'c' }, false],
    ['resourceNames [""] matches an unnamed request', rule({ verbs: ['create'], apiGroups: [''], resources: ['pods'], resourceNames: [''] }), { verb: 'create', apiGroup: '', resource: 'pods' }, true],
    ['"" is the core group, not any group', rule({ verbs: ['get'], apiGroups: [''], resources: ['deployments'] }), { verb: 'get', apiGroup: 'apps', resource: 'deployments' }, false],
    ['"core" is not the core group', rule({ verbs: ['get'], apiGroups: ['core'], resources: ['pods'] }), { verb: 'get', apiGroup: '', resource: 'pods' }, false],
    ['pods/* is not a wildcard for subresources', rule({ verbs: ['create'], apiGroups: [''], resources: ['pods/*'] }), { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec' }, false],
    ['*/exec covers pods/exec', rule({ verbs: ['create'], apiGroups: [''], resources: ['*/exec'] }), { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec' }, true],
    ['* covers subresources', rule({ verbs: ['create'], apiGroups: [''], resources: ['*'] }), { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec' }, true],
    ['verb * grants escalate', rule({ verbs: ['*'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }), { verb: 'escalate', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' }, true],
    ['resource case matters', rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }), { verb: 'get', apiGroup: '', resource: 'Pods' }, false],
    ['a resource rule does not allow a URL', rule({ verbs: ['get'], apiGroups: ['*'], resources: ['*'] }), { verb: 'get', path: '/healthz' }, false],
    ['a URL rule does not allow a resource', rule({ verbs: ['get'], nonResourceURLs: ['*'] }), { verb: 'get', apiGroup: '', resource: 'pods' }, false],
    ['a URL prefix has no segment boundary: /apis* matches /apisx', rule({ verbs: ['get'], nonResourceURLs: ['/apis*'] }), { verb: 'get', path: '/apisx' }, true],
    ['every trailing * is trimmed: /apis** matches /apis', rule({ verbs: ['get'], nonResourceURLs: ['/apis**'] }), { verb: 'get', path: '/apis' }, true],
    ['a * inside a URL is literal', rule({ verbs: ['get'], nonResourceURLs: ['/a/*/b'] }), { verb: 'get', path: '/a/x/b' }, false],
  ];
  it.each(cases)('%s', (_name, policyRule, request, allowed) => {
    expect(ruleAllows(request, policyRule)).toBe(allowed);
  });

  it('*/sub needs the exact subresource length', () => {
    expect(resourceMatches(rule({ resources: ['*/scale'] }), 'deployments/rescale', 'rescale')).toBe(false);
    expect(resourceMatches(rule({ resources: ['*/scale'] }), 'deployments/scale', 'scale')).toBe(true);
    expect(nonResourceURLMatches(rule({ nonResourceURLs: ['/foo/*'] }), '/foo/')).toBe(true);
  });
});

describe('TestAppliesTo (rule_test.go)', () => {
  const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', namespace, name });
  const cases: [name: string, subjects: Subject[], user: Identity, namespace: string, applies: boolean][] = [
    ['single subject that matches username', [{ kind: 'User', name: 'foobar' }], raw('foobar'), '', true],
    ['multiple subjects, one that matches username', [{ kind: 'User', name: 'barfoo' }, { kind: 'User', name: 'foobar' }], raw('foobar'), '', true],
    ['multiple subjects, none that match username', [{ kind: 'User', name: 'barfoo' }, { kind: 'User', name: 'foobar' }], raw('zimzam'), '', false],
    ['multiple subjects, one that match group', [{ kind: 'User', name: 'barfoo' }, { kind: 'Group', name: 'foobar' }], raw('zimzam', 'foobar'), '', true],
    ['multiple subjects, one that match group, should ignore namespace', [{ kind: 'User', name: 'barfoo' }, { kind: 'Group', name: 'foobar' }], raw('zimzam', 'foobar'), 'namespace1', true],
    ['multiple subjects with a service account that matches', [{ kind: 'User', name: 'barfoo' }, { kind: 'Group', name: 'foobar' }, sa('kube-system', 'default')], raw('system:serviceaccount:kube-system:default'), 'default', true],
    ["* user subject name doesn't match all users", [{ kind: 'User', name: '*' }], raw('foobar'), 'default', false],
    ['binding to all authenticated and unauthenticated subjects matches authenticated user', [{ kind: 'Group', name: 'system:authenticated' }, { kind: 'Group', name: 'system:unauthenticated' }], raw('foobar', 'system:authenticated'), 'default', true],
    ['binding to all authenticated and unauthenticated subjects matches anonymous user', [{ kind: 'Group', name: 'system:authenticated' }, { kind: 'Group', name: 'system:unauthenticated' }], raw('system:anonymous', 'system:unauthenticated'), 'default', true],
    // Corners read from appliesToUser.
    ['a ServiceAccount without namespace takes the binding namespace', [{ kind: 'ServiceAccount', name: 'ci' }], raw('system:serviceaccount:shop:ci'), 'shop', true],
    ['a ServiceAccount without namespace in a ClusterRoleBinding matches nobody', [{ kind: 'ServiceAccount', name: 'ci' }], raw('system:serviceaccount::ci'), '', false],
    ['a ServiceAccount of another namespace keeps its own', [sa('other', 'ci')], raw('system:serviceaccount:shop:ci'), 'shop', false],
    ['a User subject spelled as a ServiceAccount username matches the account', [{ kind: 'User', name: 'system:serviceaccount:shop:ci' }], raw('system:serviceaccount:shop:ci'), '', true],
    ['apiGroup is ignored', [{ kind: 'User', name: 'alice', apiGroup: 'something.else' }], raw('alice'), '', true],
    ['an unknown kind matches nobody', [{ kind: 'Robot', name: 'alice' }], raw('alice'), '', false],
    ['user names are case-sensitive', [{ kind: 'User', name: 'Alice' }], raw('alice'), '', false],
  ];
  it.each(cases)('%s', (_name, subjects, user, namespace, applies) => {
    expect(appliesTo(user, subjects, namespace) >= 0).toBe(applies);
  });
});

describe('TestSubjectLocator (subject_locator_test.go) as who-can', () => {
  const key = (entry: { subject: { kind: string; name: string } }) => `${entry.subject.kind}:${entry.subject.name}`;
  it('no super user, star matches star', () => {
    const engine = engineOf([
      clusterRole('admin', [newRule('*', '*', '*', '*')]),
      clusterRoleBinding('admin', 'User:super-admin', 'Group:super-admins'),
      roleBinding('ns1', 'admin', 'ClusterRole', 'User:admin', 'Group:admins'),
    ]);
    expect(engine.whoCan({ verb: 'get', resource: 'Pods', namespace: 'ns1', apiGroup: '' }).map(key)).toEqual([
      'Group:system:masters',
      'User:super-admin',
      'Group:super-admins',
      'User:admin',
      'Group:admins',
    ]);
    // "*" is not a namespace wildcard, and "" is every namespace at once: ClusterRoleBindings only.
    for (const namespace of ['*', '']) {
      expect(engine.whoCan({ verb: '*', resource: 'Pods', namespace, apiGroup: '' }).map(key)).toEqual(['Group:system:masters', 'User:super-admin', 'Group:super-admins']);
    }
  });

  it('local roles work, only in their namespace and for their verbs', () => {
    const engine = engineOf([
      clusterRole('admin', [newRule('*', '*', '*', '*')]),
      clusterRoleBinding('admin', 'User:super-admin', 'Group:super-admins'),
      role('ns1', 'admin', [newRule('get', '*', 'Pods', '*')]),
      roleBinding('ns1', 'admin', 'Role', 'User:admin', 'Group:admins'),
    ]);
    const base = ['Group:system:masters', 'User:super-admin', 'Group:super-admins'];
    expect(engine.whoCan({ verb: 'get', resource: 'Pods', namespace: 'ns1', apiGroup: '' }).map(key)).toEqual([...base, 'User:admin', 'Group:admins']);
    expect(engine.whoCan({ verb: 'create', resource: 'Pods', namespace: 'ns1', apiGroup: '' }).map(key)).toEqual(base);
    expect(engine.whoCan({ verb: 'get', resource: 'Pods', namespace: 'ns2', apiGroup: '' }).map(key)).toEqual(base);
  });
});

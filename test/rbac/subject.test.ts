import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { groupIdentity, identityOf, parseServiceAccountUsername, parseSubject, serviceAccountIdentity, subjectArgument, userIdentity } from '../../src/rbac/subject.js';

describe('SUBJECT syntax', () => {
  const cases: [text: string, expected: ReturnType<typeof parseSubject>][] = [
    ['User:alice', { kind: 'User', name: 'alice' }],
    ['User:system:kube-controller-manager', { kind: 'User', name: 'system:kube-controller-manager' }],
    ['Group:system:masters', { kind: 'Group', name: 'system:masters' }],
    ['Group:oidc:devs', { kind: 'Group', name: 'oidc:devs' }],
    ['ServiceAccount:tracing:fast-trace-agent', { kind: 'ServiceAccount', namespace: 'tracing', name: 'fast-trace-agent' }],
    ['system:serviceaccount:kube-system:default', { kind: 'ServiceAccount', namespace: 'kube-system', name: 'default' }],
    // kubectl --as with a ServiceAccount username: impersonation adds the account's groups.
    ['User:system:serviceaccount:shop:ci', { kind: 'ServiceAccount', namespace: 'shop', name: 'ci' }],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(parseSubject(text)).toEqual(expected);
    expect(parseSubject(subjectArgument(expected))).toEqual(expected);
  });

  it.each(['alice', 'user:alice', 'User:', 'Robot:x', 'ServiceAccount:only-name', 'ServiceAccount:a:b:c', 'ServiceAccount::x'])('rejects %j with an InputError', (text) => {
    expect(() => parseSubject(text)).toThrow(InputError);
  });

  it('splits ServiceAccount usernames as serviceaccount.SplitUsername does', () => {
    expect(parseServiceAccountUsername('system:serviceaccount:ns:name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(parseServiceAccountUsername('system:serviceaccount:ns:a:b')).toBeUndefined();
    expect(parseServiceAccountUsername('system:serviceaccount:ns')).toBeUndefined();
    expect(parseServiceAccountUsername('system:serviceaccounts:ns:name')).toBeUndefined();
  });
});

describe('identities as authentication builds them', () => {
  const cases: [name: string, identity: ReturnType<typeof identityOf>, username: string, groups: string[]][] = [
    ['a user is authenticated', userIdentity('alice'), 'alice', ['system:authenticated']],
    ['extra groups come before system:authenticated', userIdentity('alice', ['devs']), 'alice', ['devs', 'system:authenticated']],
    ['anonymous is unauthenticated, never authenticated', userIdentity('system:anonymous'), 'system:anonymous', ['system:unauthenticated']],
    ['a user already unauthenticated gets no system:authenticated', userIdentity('bob', ['system:unauthenticated']), 'bob', ['system:unauthenticated']],
    ['a ServiceAccount has its two groups', serviceAccountIdentity('shop', 'ci'), 'system:serviceaccount:shop:ci', ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated']],
    ['a Group member is in the group and authenticated, with no username', groupIdentity('devs'), '', ['devs', 'system:authenticated']],
    ['Group system:unauthenticated stays unauthenticated', groupIdentity('system:unauthenticated'), '', ['system:unauthenticated']],
    ['a ServiceAccount username as a User is the account', identityOf({ kind: 'User', name: 'system:serviceaccount:a:b' }), 'system:serviceaccount:a:b', ['system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated']],
  ];
  it.each(cases)('%s', (_name, identity, username, groups) => {
    expect(identity.name).toBe(username);
    expect(identity.groups).toEqual(groups);
  });
});

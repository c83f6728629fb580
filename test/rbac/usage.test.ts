// `rbac diff`: what a subject holds, broken down into single permissions, against what it used.
import { describe, expect, it } from 'vitest';
import type { ObservedRequest } from '../../src/rbac/observed.js';
import { serviceAccountIdentity, type SubjectRef } from '../../src/rbac/subject.js';
import { breakdownRule, usageDiff } from '../../src/rbac/usage.js';
import { describePermission } from '../../src/report/rbac-usage.js';
import { clusterRole, clusterRoleBinding, engineOf, role, roleBinding, rule } from './helpers.js';

const subject: SubjectRef = { kind: 'ServiceAccount', namespace: 'shop', name: 'api' };
const observed = (attributes: ObservedRequest['attributes'], allowed = 1, denied = 0): ObservedRequest => ({ attributes, key: JSON.stringify(attributes), allowed, denied, first: 0, last: 0 });

describe('rbac diff: held against used', () => {
  it('breaks rules down as upstream does: verb × group × resource × name, verb × URL', () => {
    expect(breakdownRule(rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] }))).toHaveLength(4);
    expect(breakdownRule(rule({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] })).map((part) => part.resourceNames)).toEqual([['a'], ['b']]);
    expect(breakdownRule(rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*'] }))).toHaveLength(2);
  });

  it('counts permissions per scope, marks the used ones, lists unused ones riskiest first (cluster-wide before namespaced) with every binding that grants them', () => {
    const engine = engineOf([
      clusterRole('reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }]),
      clusterRoleBinding('reader', 'ServiceAccount:shop:api'),
      role('shop', 'app', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['api-config'] }, { verbs: ['create'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: [''], resources: ['secrets'] }]),
      roleBinding('shop', 'app', 'Role', 'ServiceAccount:shop:api'),
      // a Role's non-resource URLs grant nothing: never counted
      role('shop', 'urls', [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]),
      roleBinding('shop', 'urls', 'Role', 'ServiceAccount:shop:api'),
    ]);
    const diff = usageDiff(engine, serviceAccountIdentity('shop', 'api'), subject, [
      observed({ verb: 'get', namespace: 'shop', apiGroup: '', resource: 'configmaps', subresource: '', name: 'api-config' }, 40),
      observed({ verb: 'get', path: '/healthz', namespace: '' }, 3),
      observed({ verb: 'delete', namespace: 'shop', apiGroup: '', resource: 'pods', subresource: '', name: 'x' }, 0, 2),
    ]);
    expect([diff.held.length, diff.used]).toEqual([6, 2]);
    expect(diff.held.map((permission) => `${permission.requests} ${permission.risks.map((risk) => `${risk.risk.id}:${risk.severity}`).join(',') || '-'} ${describePermission(permission)}`)).toEqual([
      '0 rbac-read-secrets:critical list secrets cluster-wide',
      '0 rbac-get-secrets:high get secrets cluster-wide',
      '0 rbac-create-pods:high create pods in namespace shop',
      '0 rbac-read-secrets:high list secrets in namespace shop',
      '40 - get configmaps named api-config in namespace shop',
      '3 - get /healthz',
    ]);
    expect(diff.held[0].grants.map((grant) => grant.binding.name)).toEqual([expect.stringMatching(/^crb-reader-/)]);
    expect(diff.notHeld.map((request) => request.attributes.verb)).toEqual(['delete']);
  });

  it('a risk that needs several permissions together is on each of them (create and approve client certificates)', () => {
    const engine = engineOf([
      clusterRole('csr', [
        { verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
        { verbs: ['update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'] },
        { verbs: ['approve'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client'] },
      ]),
      clusterRoleBinding('csr', 'ServiceAccount:shop:api'),
    ]);
    const diff = usageDiff(engine, serviceAccountIdentity('shop', 'api'), subject, []);
    expect(diff.held.map((permission) => permission.risks.map((risk) => risk.risk.id))).toEqual([['rbac-approve-csr'], ['rbac-approve-csr'], ['rbac-approve-csr']]);
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { builtinScope, scopeResolver } from '../../src/core/scope.js';
import { resolveResource } from '../../src/rbac/resources.js';

describe('one table of scopes for objects and for RBAC requests', () => {
  it.each([
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'Cluster', 'clusterroles'],
    ['rbac.authorization.k8s.io/v1', 'Role', 'Namespaced', 'roles'],
    ['v1', 'Namespace', 'Cluster', 'namespaces'],
    ['v1', 'Secret', 'Namespaced', 'secrets'],
    ['cert-manager.io/v1', 'ClusterIssuer', 'Cluster', 'clusterissuers.cert-manager.io'],
    ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', 'Cluster', 'adminnetworkpolicies.policy.networking.k8s.io'],
  ])('%s %s is %s, and its resource agrees', (apiVersion, kind, scope, resource) => {
    expect(builtinScope(apiVersion, kind)).toBe(scope);
    expect(resolveResource(resource, undefined).namespaced).toBe(scope === 'Namespaced');
  });

  it('an unknown kind is namespaced unless a CustomResourceDefinition in the sources says otherwise', () => {
    expect(builtinScope('example.com/v1', 'Widget')).toBe('Namespaced');
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget', plural: 'widgets' } } };
    expect(scopeResolver([crd])('example.com/v1', 'Widget')).toBe('Cluster');
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { requestNamespace, resolveResource } from '../../src/rbac/resources.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
`;

describe('RESOURCE as users type it → the request attributes', () => {
  const inventory = inventoryFromText(CRD).inventory;
  const cases: [text: string, apiGroup: string | undefined, expected: Partial<ReturnType<typeof resolveResource>>][] = [
    ['pods', undefined, { resource: 'pods', subresource: '', apiGroup: '', namespaced: true }],
    ['pods/exec', undefined, { resource: 'pods', subresource: 'exec', apiGroup: '' }],
    ['deploy', undefined, { resource: 'deployments', apiGroup: 'apps' }],
    ['deployments.apps/scale', undefined, { resource: 'deployments', subresource: 'scale', apiGroup: 'apps' }],
    ['deployments', 'extensions', { resource: 'deployments', apiGroup: 'extensions' }],
    ['no', undefined, { resource: 'nodes', apiGroup: '', namespaced: false }],
    ['clusterroles', undefined, { apiGroup: 'rbac.authorization.k8s.io', namespaced: false }],
    ['wd', undefined, { resource: 'widgets', apiGroup: 'example.com', namespaced: false }],
    ['*', undefined, { resource: '*', apiGroup: '*' }],
    ['*', '', { resource: '*', apiGroup: '' }],
  ];
  it.each(cases)('%s (--api-group %j)', (text, apiGroup, expected) => {
    const resolved = resolveResource(text, apiGroup, inventory);
    expect(resolved).toMatchObject(expected);
    expect(resolved.warning).toBeUndefined();
  });

  it('an unknown resource without --api-group is assumed core, with a warning', () => {
    expect(resolveResource('gizmos', undefined).warning).toMatch(/assuming the core API group/);
  });

  it('a group twice that disagrees is an error', () => {
    expect(() => resolveResource('jobs.batch', 'apps')).toThrow(InputError);
  });
});

describe('the namespace of the request', () => {
  const pods = resolveResource('pods', undefined);
  const nodes = resolveResource('nodes', undefined);
  const namespaces = resolveResource('namespaces', undefined);
  const cases: [name: string, resolved: ReturnType<typeof resolveResource> | undefined, asked: Parameters<typeof requestNamespace>[1], namespace: string, warns: boolean][] = [
    ['namespaced, -n given', pods, { namespace: 'shop' }, 'shop', false],
    ['namespaced, kubectl default', pods, {}, 'default', false],
    ['namespaced, -A: none', pods, { allNamespaces: true }, '', false],
    ['cluster-scoped: none', nodes, {}, '', false],
    ['cluster-scoped with -n: none, and a warning', nodes, { namespace: 'shop' }, '', true],
    ['a namespace object is in its own namespace', namespaces, { name: 'shop' }, 'shop', false],
    ['listing namespaces: none', namespaces, {}, '', false],
    ['a non-resource URL: none', undefined, { namespace: 'shop' }, '', false],
  ];
  it.each(cases)('%s', (_name, resolved, asked, namespace, warns) => {
    const result = requestNamespace(resolved, asked);
    expect(result.namespace).toBe(namespace);
    expect(result.warning !== undefined).toBe(warns);
  });
});

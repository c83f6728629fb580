import { describe, expect, it } from 'vitest';
import { aggregateClusterRoles } from '../../src/rbac/aggregation.js';
import type { PolicyRule, RoleDef } from '../../src/rbac/model.js';
import { clusterRole, clusterRoleBinding, engineOf, rule } from './helpers.js';

function def(name: string, labels: Record<string, string>, rules: PolicyRule[], selectors?: RoleDef['aggregationSelectors']): RoleDef {
  const role: RoleDef = { kind: 'ClusterRole', name, labels, rules, builtin: false };
  if (selectors) role.aggregationSelectors = selectors;
  return role;
}

const read = (resource: string) => rule({ verbs: ['get'], apiGroups: [''], resources: [resource] });
const names = (rules: PolicyRule[] | undefined) => (rules ?? []).map((r) => r.resources.join(','));

describe('aggregated ClusterRoles (clusterrole-aggregation-controller)', () => {
  it('selectors are ORed; sources sorted by name; the role skips itself; rules deduplicated', () => {
    const result = aggregateClusterRoles([
      def('agg', { pick: 'a' }, [read('ignored')], [{ matchLabels: { pick: 'a' } }, { matchLabels: { pick: 'b' } }]),
      def('zeta', { pick: 'a' }, [read('secrets'), read('pods')]),
      def('alpha', { pick: 'a' }, [read('pods'), read('configmaps')]),
      def('beta', { pick: 'b' }, [read('nodes')]),
      def('other', { pick: 'c' }, [read('services')]),
    ]);
    expect(result.sources.get('agg')).toEqual(['alpha', 'zeta', 'beta']);
    expect(names(result.rules.get('agg'))).toEqual(['pods', 'configmaps', 'secrets', 'nodes']);
  });

  it('replaces the aggregated role own rules, and an empty selector list leaves it empty', () => {
    const result = aggregateClusterRoles([def('agg', {}, [read('pods')], [])]);
    expect(result.rules.get('agg')).toEqual([]);
  });

  it('chains converge to a fixpoint (view → edit → admin), whatever the order', () => {
    const roles = [
      def('admin', {}, [], [{ matchLabels: { 'to-admin': 'true' } }]),
      def('edit', { 'to-admin': 'true' }, [], [{ matchLabels: { 'to-edit': 'true' } }]),
      def('view', { 'to-edit': 'true' }, [], [{ matchLabels: { 'to-view': 'true' } }]),
      def('part-view', { 'to-view': 'true' }, [read('pods')]),
      def('part-edit', { 'to-edit': 'true' }, [read('secrets')]),
      def('part-admin', { 'to-admin': 'true' }, [read('roles')]),
    ];
    for (const order of [roles, [...roles].reverse()]) {
      const result = aggregateClusterRoles(order);
      expect(names(result.rules.get('view'))).toEqual(['pods']);
      expect(names(result.rules.get('edit')).sort()).toEqual(['pods', 'secrets']);
      expect(names(result.rules.get('admin')).sort()).toEqual(['pods', 'roles', 'secrets']);
    }
  });

  it('cycles terminate with the union of the base rules (least fixpoint)', () => {
    const result = aggregateClusterRoles([
      def('a', { ring: 'b' }, [read('stale-a')], [{ matchLabels: { ring: 'a' } }]),
      def('b', { ring: 'a' }, [read('stale-b')], [{ matchLabels: { ring: 'b' } }]),
      def('base-a', { ring: 'a' }, [read('pods')]),
      def('base-b', { ring: 'b' }, [read('nodes')]),
    ]);
    expect(names(result.rules.get('a')).sort()).toEqual(['nodes', 'pods']);
    expect(names(result.rules.get('b')).sort()).toEqual(['nodes', 'pods']);
  });

  it('matchExpressions select too; invalid and null selectors select nothing, with a warning for the invalid', () => {
    const result = aggregateClusterRoles([
      def('agg', {}, [], [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] }, { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] }, null]),
      def('x', { tier: 'x' }, [read('pods')]),
      def('z', { tier: 'z' }, [read('nodes')]),
    ]);
    expect(names(result.rules.get('agg'))).toEqual(['pods']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/clusterRoleSelectors\[1\] is invalid/);
  });

  it('an empty selector {} selects every other ClusterRole', () => {
    const result = aggregateClusterRoles([def('all', {}, [], [{}]), def('x', {}, [read('pods')]), def('y', { a: 'b' }, [read('nodes')])]);
    expect(names(result.rules.get('all'))).toEqual(['pods', 'nodes']);
  });

  it('the engine authorizes with aggregated rules (a dump carries rules: null)', () => {
    const engine = engineOf([
      clusterRole('reader', null as unknown as unknown[], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-reader': 'true' } }] } }),
      clusterRole('reads-secrets', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }], { metadata: { name: 'reads-secrets', labels: { 'example.com/aggregate-to-reader': 'true' } } }),
      clusterRoleBinding('reader', 'User:alice'),
    ]);
    const alice = { name: 'alice', groups: [], subject: { kind: 'User' as const, name: 'alice' } };
    expect(engine.can(alice, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: '' }).allowed).toBe(true);
    expect(engine.can(alice, { verb: 'list', apiGroup: '', resource: 'pods', namespace: '' }).allowed).toBe(false);
  });
});

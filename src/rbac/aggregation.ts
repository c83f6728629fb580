/**
 * Aggregated ClusterRoles computed offline, as the clusterrole-aggregation-controller computes them
 * (`pkg/controller/clusterroleaggregation`): for a ClusterRole with an `aggregationRule`, for each
 * selector in order (selectors are ORed), the ClusterRoles whose labels match, sorted by name,
 * except the role itself; each of their rules not already present is appended. The result
 * replaces the role's own `rules` (a dump or chart carries `rules: null` on admin/edit/view).
 *
 * The controller re-queues every aggregated role on any change, so chains converge
 * (view → edit → admin). Offline we iterate to a fixpoint, starting aggregated roles from no rules:
 * the least fixpoint, which is what a fresh cluster converges to, and which terminates on cycles.
 */
import { selectorError, selectorMatches } from '../core/selector.js';
import { ruleKey, type PolicyRule, type RoleDef } from './model.js';

export interface AggregationResult {
  /** Final rules of every aggregated ClusterRole, by name. */
  rules: Map<string, PolicyRule[]>;
  /** For each aggregated ClusterRole, the roles it gathers from, in the controller's order. */
  sources: Map<string, string[]>;
  warnings: string[];
}

/** Computes aggregated rules for the ClusterRoles given (all of them: the candidates are every ClusterRole). */
export function aggregateClusterRoles(clusterRoles: readonly RoleDef[]): AggregationResult {
  const byName = new Map<string, RoleDef>();
  for (const role of clusterRoles) if (!byName.has(role.name)) byName.set(role.name, role);
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const aggregated = sorted.filter((role) => role.aggregationSelectors !== undefined);
  const warnings: string[] = [];
  const sources = new Map<string, string[]>();
  // Labels never change during the computation: which roles each selector picks is computed once.
  for (const role of aggregated) {
    const picked: string[] = [];
    for (const [index, selector] of (role.aggregationSelectors ?? []).entries()) {
      if (selector === null) continue;
      const problem = selectorError(selector);
      if (problem) {
        warnings.push(`ClusterRole ${role.name}: aggregationRule.clusterRoleSelectors[${index}] is invalid (${problem}); it selects nothing`);
        continue;
      }
      for (const candidate of sorted) {
        if (candidate.name !== role.name && selectorMatches(selector, candidate.labels)) picked.push(candidate.name);
      }
    }
    sources.set(role.name, picked);
  }
  const current = new Map<string, PolicyRule[]>();
  for (const role of sorted) current.set(role.name, role.aggregationSelectors === undefined ? role.rules : []);
  // Each pass can only add rules (inputs only grow), so this ends after at most |aggregated|+1 passes.
  for (let pass = 0, changed = true; changed && pass <= aggregated.length + 1; pass++) {
    changed = false;
    for (const role of aggregated) {
      const seen = new Set<string>();
      const rules: PolicyRule[] = [];
      for (const source of sources.get(role.name) ?? []) {
        for (const rule of current.get(source) ?? []) {
          const key = ruleKey(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          rules.push(rule);
        }
      }
      if (!sameRules(rules, current.get(role.name) ?? [])) {
        current.set(role.name, rules);
        changed = true;
      }
    }
  }
  const rules = new Map<string, PolicyRule[]>();
  for (const role of aggregated) rules.set(role.name, current.get(role.name) ?? []);
  return { rules, sources, warnings };
}

function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((rule, index) => rule === b[index] || ruleKey(rule) === ruleKey(b[index]));
}

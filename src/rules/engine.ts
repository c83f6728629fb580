import type { IgnoreEntry } from '../core/config.js';
import { fieldPathText, fingerprintOf, type Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { refOf, type KubeObject } from '../core/object.js';
import { locationOf } from '../core/provenance.js';
import { createRuleContext } from './context.js';
import type { Rule, RuleContext, RuleMeta, Violation } from './rule.js';
import { findSuppression } from './suppress.js';

export interface SuppressionOptions {
  ignores?: readonly IgnoreEntry[];
  /** `YYYY-MM-DD`, for `expires`; defaults to today (UTC). */
  today?: string;
}

export interface RunOptions extends SuppressionOptions {
  /** Rule ids not to run. */
  disable?: readonly string[];
  context?: RuleContext;
}

/**
 * Runs rules over every object of the inventory. A rule that throws is a kubeward bug, not the
 * user's: the error names the rule and object so it can be reported.
 */
export function runRules(inventory: Inventory, rules: readonly Rule[], runOptions: RunOptions = {}): Finding[] {
  // One date for every finding of the run (expiring suppressions), not one clock read per finding.
  const options = { ...runOptions, today: runOptions.today ?? today() };
  const context = options.context ?? createRuleContext(inventory);
  const disabled = new Set(options.disable ?? []);
  const rulesFor = rulesByKind(rules.filter((rule) => !disabled.has(rule.meta.id)));
  const findings: Finding[] = [];
  for (const object of inventory.objects) {
    for (const rule of rulesFor(object.kind)) {
      let violations: Violation[];
      try {
        violations = rule.check(object, context);
      } catch (error) {
        throw new Error(`rule ${rule.meta.id} failed on ${object.kind} ${object.metadata.name}: ${(error as Error).message}`, { cause: error });
      }
      for (const violation of violations) findings.push(findingFor(rule.meta, object, violation, inventory, options));
    }
  }
  return findings;
}

/** The rules that look at a kind (`meta.kinds`), in the pack's order, worked out once per kind rather than per object. */
function rulesByKind(rules: readonly Rule[]): (kind: string) => readonly Rule[] {
  const byKind = new Map<string, Rule[]>();
  return (kind) => {
    let list = byKind.get(kind);
    if (!list) {
      list = rules.filter((rule) => !rule.meta.kinds || rule.meta.kinds.includes(kind));
      byKind.set(kind, list);
    }
    return list;
  };
}

/** Turns a violation into a Finding with its location and suppression: the one way findings are made, by rules and engines alike. */
export function findingFor(meta: RuleMeta, object: KubeObject, violation: Violation, inventory: Inventory, options: SuppressionOptions = {}): Finding {
  const location = locationOf(inventory.provenanceOf(object), violation.path);
  const ref = refOf(object);
  const finding: Finding = {
    ruleId: meta.id,
    severity: violation.severity ?? meta.severity,
    title: meta.title,
    message: violation.message,
    object: ref,
    stage: meta.stage,
    suppressed: false,
    remediation: meta.remediation,
    fingerprint: fingerprintOf(meta.id, ref, fieldPathText(object, violation.path ?? [])),
  };
  if (location) finding.location = location;
  if (violation.evidence) finding.evidence = violation.evidence;
  const suppression = findSuppression({ ruleId: meta.id, object, file: location?.file }, options.ignores ?? [], options.today ?? today());
  if (suppression) {
    finding.suppressed = true;
    finding.suppression = suppression;
  }
  return finding;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

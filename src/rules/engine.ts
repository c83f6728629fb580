import type { IgnoreEntry } from '../core/config.js';
import { fieldPathText, fingerprintWith, objectIdentity, type Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { refOf, type KubeObject, type ObjectRef } from '../core/object.js';
import { locationOf, type Provenance } from '../core/provenance.js';
import { createRuleContext } from './context.js';
import type { Rule, RuleContext, RuleMeta, Violation } from './rule.js';
import { findSuppression, IGNORE_ANNOTATION } from './suppress.js';

export interface SuppressionOptions {
  ignores?: readonly IgnoreEntry[];
  /** false: the `kubeward.io/ignore` annotation suppresses nothing (`annotationSuppressions: false` in `.kubeward.yaml`). */
  annotationSuppressions?: boolean;
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
  // Indexed loops: the rules return arrays of many shapes (literals, filtered, frozen), so a for-of here
  // cannot be optimised away and allocates an iterator and a result per rule and violation (88,000
  // rule calls on the 10,000-object bench mix).
  const objects = inventory.objects;
  for (let objectIndex = 0; objectIndex < objects.length; objectIndex++) {
    const object = objects[objectIndex];
    const kindRules = rulesFor(object.kind);
    for (let ruleIndex = 0; ruleIndex < kindRules.length; ruleIndex++) {
      const rule = kindRules[ruleIndex];
      let violations: Violation[];
      try {
        violations = rule.check(object, context);
      } catch (error) {
        throw new Error(`rule ${rule.meta.id} failed on ${object.kind} ${object.metadata.name}: ${(error as Error).message}`, { cause: error });
      }
      for (let index = 0; index < violations.length; index++) findings.push(findingFor(rule.meta, object, violations[index], inventory, options));
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
  const facts = factsOf(object, inventory);
  const location = locationOf(facts.provenance, violation.path);
  const severity = violation.severity ?? meta.severity;
  const fingerprint = fingerprintWith(meta.id, facts.identity, violation.path ? fieldPathText(object, violation.path) : '');
  const { evidence } = violation;
  // One literal per combination of the optional fields, in the order the reports print them: a
  // field added after the literal would move the finding to a slower shape and an extra allocation.
  const finding: Finding = location
    ? evidence
      ? { ruleId: meta.id, severity, title: meta.title, message: violation.message, object: facts.ref, stage: meta.stage, suppressed: false, remediation: meta.remediation, fingerprint, location, evidence }
      : { ruleId: meta.id, severity, title: meta.title, message: violation.message, object: facts.ref, stage: meta.stage, suppressed: false, remediation: meta.remediation, fingerprint, location }
    : evidence
      ? { ruleId: meta.id, severity, title: meta.title, message: violation.message, object: facts.ref, stage: meta.stage, suppressed: false, remediation: meta.remediation, fingerprint, evidence }
      : { ruleId: meta.id, severity, title: meta.title, message: violation.message, object: facts.ref, stage: meta.stage, suppressed: false, remediation: meta.remediation, fingerprint };
  const ignores = options.ignores ?? [];
  // Most objects carry no ignore annotation and most runs no ignore entries: nothing to look for.
  const annotations = options.annotationSuppressions !== false;
  if ((facts.annotated && annotations) || ignores.length > 0) {
    const suppression = findSuppression({ ruleId: meta.id, object, file: location?.file, severity }, ignores, options.today ?? today(), annotations);
    if (suppression) {
      finding.suppressed = true;
      finding.suppression = suppression;
    }
  }
  return finding;
}

/** What every finding on one object shares, worked out on its first finding (an object has a dozen on average in a scan). */
interface ObjectFacts {
  inventory: Inventory;
  provenance: Provenance | undefined;
  /** The findings' `object`: one reference shared by all of them (findings are never mutated). */
  ref: ObjectRef;
  /** The object's part of every fingerprint (objectIdentity). */
  identity: string;
  /** It carries the ignore annotation. */
  annotated: boolean;
}

const objectFacts = new WeakMap<KubeObject, ObjectFacts>();

function factsOf(object: KubeObject, inventory: Inventory): ObjectFacts {
  let facts = objectFacts.get(object);
  // Provenance is the inventory's: an object in another inventory is looked up again.
  if (facts?.inventory !== inventory) {
    const ref = refOf(object);
    facts = { inventory, provenance: inventory.provenanceOf(object), ref, identity: objectIdentity(ref), annotated: typeof object.metadata.annotations?.[IGNORE_ANNOTATION] === 'string' };
    objectFacts.set(object, facts);
  }
  return facts;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

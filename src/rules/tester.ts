import { existingPrefix, type PathSegment } from '../core/provenance.js';
import { inventoryFromText } from '../load/sources.js';
import { createRuleContext } from './context.js';
import type { Severity } from '../core/severity.js';
import type { Example, Rule, Violation } from './rule.js';

export interface ExampleOutcome {
  example: string;
  expected: number;
  violations: Violation[];
  /** What is wrong, if anything: a wrong count, or a path that points at no field. */
  problems: string[];
}

/**
 * Runs a rule against its own examples, like ESLint's RuleTester: every valid example yields no
 * violation, every invalid one exactly the count it declares, and every violation's path exists.
 */
export function testRuleExamples(rule: Rule): ExampleOutcome[] {
  const run = (example: Example, expected: number, severities?: Severity[]): ExampleOutcome => {
    const { inventory, warnings } = inventoryFromText(example.yaml, `${rule.meta.id}.example.yaml`);
    const context = createRuleContext(inventory);
    const violations: Violation[] = [];
    const problems: string[] = warnings.map((warning) => `example does not load cleanly: ${warning}`);
    if (inventory.size === 0) problems.push('example holds no object');
    for (const object of inventory.objects) {
      if (rule.meta.kinds && !rule.meta.kinds.includes(object.kind)) continue;
      for (const violation of rule.check(object, context)) {
        violations.push(violation);
        if (violation.path && !pathExists(object, violation.path)) problems.push(`path ${violation.path.join('.')} does not exist in ${object.kind} ${object.metadata.name}`);
      }
    }
    if (violations.length !== expected) {
      problems.push(`expected ${expected} violation(s), got ${violations.length}${violations.length ? `: ${violations.map((v) => v.message).join(' | ')}` : ''}`);
    }
    const got = violations.map((violation) => violation.severity ?? rule.meta.severity);
    if (severities && got.join(',') !== severities.join(',')) problems.push(`expected severities ${severities.join(',')}, got ${got.join(',')}`);
    return { example: example.name, expected, violations, problems };
  };
  return [
    ...rule.examples.valid.map((example) => run(example, 0)),
    ...rule.examples.invalid.map((example) => run(example, example.violations, example.severities)),
  ];
}

function pathExists(root: unknown, path: readonly PathSegment[]): boolean {
  return existingPrefix(root, path).length === path.length;
}

import { describe, expect, it } from 'vitest';
import { builtinRules } from '../../src/rules/index.js';
import { testRuleExamples } from '../../src/rules/tester.js';

describe('every rule passes its own examples', () => {
  for (const rule of builtinRules) {
    describe(rule.meta.id, () => {
      it('has at least one valid and one invalid example', () => {
        expect(rule.examples.valid.length).toBeGreaterThan(0);
        expect(rule.examples.invalid.length).toBeGreaterThan(0);
      });
      for (const outcome of testRuleExamples(rule)) {
        it(`${outcome.expected ? 'flags' : 'passes'}: ${outcome.example}`, () => {
          expect(outcome.problems).toEqual([]);
        });
      }
    });
  }
});

describe('rule metadata', () => {
  it('ids are unique kebab-case and every field is filled', () => {
    const ids = builtinRules.map((rule) => rule.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { meta } of builtinRules) {
      expect(meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(meta.title.length).toBeGreaterThan(5);
      expect(meta.description.length).toBeGreaterThan(40);
      expect(meta.remediation.length).toBeGreaterThan(20);
    }
  });
});

describe('the rule tester itself', () => {
  it('catches a rule whose examples are wrong', () => {
    const broken = {
      ...builtinRules[0],
      examples: {
        valid: [{ name: 'actually bad', yaml: builtinRules[0].examples.invalid[0].yaml }],
        invalid: [{ name: 'wrong count', yaml: builtinRules[0].examples.invalid[0].yaml, violations: 99 }],
      },
    };
    const outcomes = testRuleExamples(broken);
    expect(outcomes.every((outcome) => outcome.problems.length > 0)).toBe(true);
  });

  it('catches a violation path that points at no field', () => {
    const broken = { ...builtinRules[0], check: () => [{ message: 'x', path: ['spec', 'nope'] }] };
    const [outcome] = testRuleExamples({ ...broken, examples: { valid: [], invalid: [{ name: 'x', yaml: builtinRules[0].examples.invalid[0].yaml, violations: 1 }] } });
    expect(outcome.problems).toEqual([expect.stringMatching(/path spec\.nope does not exist/)]);
  });
});

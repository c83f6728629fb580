import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyAuditStats, parseAuditLine } from '../../src/detect/audit.js';
import { falcoMatches, loadFalcoRules } from '../../src/detect/falco.js';
import { AUDIT_FIELDS, fieldTable } from '../../src/detect/fields.js';
import { corpusPath } from '../helpers/corpus.js';

/**
 * Falco's own k8s_audit regression suite (../shared/corpus/falco-k8s-audit): for every case, the
 * rules that fire and their counts must equal Falco's. Nothing here is skipped.
 */
interface Case {
  test: string;
  trace: string;
  rules_files: string[];
  detect: boolean;
  detect_level?: string;
  detect_counts?: Record<string, number>;
  stderr_contains?: string;
}

const root = corpusPath('falco-k8s-audit');
const cases: Case[] = JSON.parse(readFileSync(`${root}/cases.json`, 'utf8'));
const fields = fieldTable(AUDIT_FIELDS);

function run(testCase: Case) {
  const set = loadFalcoRules(
    testCase.rules_files.map((file) => ({ name: file, text: readFileSync(`${root}/${file}`, 'utf8') })),
    { fields, matching: 'first' },
  );
  const stats = emptyAuditStats();
  const counts: Record<string, number> = {};
  const priorities = new Set<string>();
  for (const line of readFileSync(`${root}/${testCase.trace}`, 'utf8').split('\n')) {
    for (const event of parseAuditLine(line, stats)) {
      for (const rule of falcoMatches(set, event)) {
        counts[rule.name] = (counts[rule.name] ?? 0) + 1;
        priorities.add(rule.priority);
      }
    }
  }
  return { counts, priorities, stats };
}

describe('Falco k8s_audit corpus', () => {
  it('has the 66 cases the README describes', () => {
    expect(cases).toHaveLength(66);
  });

  it.each(cases.map((c) => [c.test, c] as const))('%s', (_name, testCase) => {
    const { counts, priorities, stats } = run(testCase);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (!testCase.detect) {
      expect(counts).toEqual({});
    } else {
      expect(total).toBeGreaterThan(0);
      for (const [rule, count] of Object.entries(testCase.detect_counts ?? {})) expect({ rule, count: counts[rule] ?? 0 }).toEqual({ rule, count });
      if (testCase.detect_level) {
        const level = testCase.detect_level === 'INFO' ? 'Informational' : testCase.detect_level[0] + testCase.detect_level.slice(1).toLowerCase();
        expect([...priorities]).toContain(level);
      }
    }
    if (testCase.stderr_contains) expect(Object.keys(stats.rejectReasons).join('\n')).toMatch(new RegExp(testCase.stderr_contains));
  });
});

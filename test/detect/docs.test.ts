import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';

/** docs/detect.md documents every field rules can read and every built-in rule: the docs cannot drift. */
const doc = readFileSync(new URL('../../docs/detect.md', import.meta.url), 'utf8');

describe('docs/detect.md', () => {
  it.each(Object.entries(FIELD_TABLES))('lists every %s field', (_source, table) => {
    const missing = [...table.keys()].filter((name) => !doc.includes(`| \`${name}\``) && !doc.includes(`| \`${name}[`));
    expect(missing).toEqual([]);
  });

  it('has a "what to do now" for every built-in rule that alerts', () => {
    const rules = loadKubewardRules(builtinDetectRuleFiles()).rules.filter((rule) => rule.form !== 'metric');
    expect(rules.filter((rule) => !rule.respond).map((rule) => rule.id)).toEqual([]);
  });

  it('lists every built-in rule with its priority', () => {
    for (const rule of loadKubewardRules(builtinDetectRuleFiles()).rules) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${rule.id}\` |`));
      expect(row, rule.id).toBeDefined();
      expect(row!.split('|')[2].trim(), rule.id).toMatch(rule.form === 'metric' ? /^metric$/ : new RegExp(`^${rule.priority}\\b`));
    }
  });
});

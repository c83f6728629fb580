import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../src/core/severity.js';
import { SEVERITY_MODEL } from '../../src/rules/severity-model.js';
import { severityModelRows } from '../../src/rules/severity-examples.js';

describe('the severity model', () => {
  it('has one row per severity, most severe first', () => {
    expect(SEVERITY_MODEL.map((level) => level.severity)).toEqual([...SEVERITIES]);
  });

  it('each example gets a finding of its row\'s severity from a real scan', () => {
    const rows = severityModelRows();
    expect(rows.map((row) => [row.severity, row.example.ruleId])).toEqual(SEVERITY_MODEL.map((level) => [level.severity, level.example.ruleId]));
    for (const row of rows) expect(row.example.message.length).toBeGreaterThan(10);
  });
});

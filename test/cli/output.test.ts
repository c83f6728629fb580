import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutput } from '../../src/cli/output.js';

describe('writeOutput', () => {
  const folder = mkdtempSync(join(tmpdir(), 'kubeward-output-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes parts as UTF-8 chunks whatever their sizes: multi-byte characters across chunk ends, a part bigger than a chunk, empty parts', () => {
    const parts: string[] = [];
    for (let index = 0; index < 40_000; index++) parts.push(index % 7 === 0 ? `finding ${index} → “quoted” …\n` : `{"ruleId": "r-${index}", "message": "é${'x'.repeat(index % 50)}"},\n`);
    parts.push('', '🔒'.repeat(600_000), 'tail\n');
    const file = join(folder, 'report.json');
    writeOutput(parts, file);
    expect(readFileSync(file, 'utf8')).toBe(parts.join(''));
  });

  it('writes one string as it is', () => {
    const file = join(folder, 'report.txt');
    writeOutput('naïve table\n', file);
    expect(readFileSync(file, 'utf8')).toBe('naïve table\n');
  });
});

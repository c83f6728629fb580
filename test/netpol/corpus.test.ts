import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/sources.js';
import { connectionList, renderConnlist } from '../../src/netpol/index.js';
import { runCli } from '../helpers/cli.js';
import { corpusPath } from '../helpers/corpus.js';

/**
 * The netpol-analyzer conformance corpus: for every case, the lines of `kubeward netpol connlist
 * <case dir>` (txt) equal the case's expected_connlist.txt as a set. The library path is what the CLI
 * runs (load, connectionList, render txt); a few cases also go through the built CLI. No case is out
 * of scope.
 */
const CASES = corpusPath('netpol-analyzer', 'cases');
const cases = readdirSync(CASES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function expectedLines(name: string): string[] {
  return readFileSync(join(CASES, name, 'expected_connlist.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}

function linesOf(text: string): string[] {
  return text.split('\n').filter(Boolean).sort();
}

describe('netpol-analyzer corpus: connlist line sets', () => {
  it('holds the 70 cases the README lists', () => {
    expect(cases).toHaveLength(70);
  });

  it.each(cases)('%s', async (name) => {
    const { inventory } = await loadSources([join(CASES, name)]);
    const text = renderConnlist(connectionList(inventory), 'txt');
    expect(linesOf(text)).toEqual(expectedLines(name));
  });
});

describe('netpol-analyzer corpus through the CLI', () => {
  it.each(['netpol-analysis-example-minimal', 'one_ingress_multiple_services', 'anp_banp_core_test', 'with_end_port_example'])('%s', async (name) => {
    const result = await runCli(['netpol', 'connlist', join(CASES, name), '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toEqual(expectedLines(name));
  });
});

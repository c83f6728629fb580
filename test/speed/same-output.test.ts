/**
 * Speed work must not change a single answer (issue 9): the JSON of `kubeward scan` and of
 * `kubeward rbac risks` on our fixture charts and the shared corpora, compared with
 * `same-output.expected.json`, which the code before the speed work generated.
 *
 * The expected file holds, per input, the number of findings, their count per rule and a SHA-256 of
 * the whole JSON report (the version field left out): a changed message, severity, order, evidence
 * or warning changes the hash. When a change of findings is intended (a new rule, a new severity),
 * look at the diff the failure prints and regenerate the file:
 *   npx vitest run test/speed/same-output.test.ts -u
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/sources.js';
import { buildEngine, rbacFindings, rbacRuleMetas } from '../../src/rbac/index.js';
import { buildReport, render } from '../../src/report/index.js';
import { scanInventory } from '../../src/scan.js';
import { REPO } from '../helpers/cli.js';
import { CORPUS, corpusPath } from '../helpers/corpus.js';

const fixtureCharts = join(REPO, 'test/fixtures/charts');
const charts = [join(fixtureCharts, 'fast-trace-agent'), ...readdirSync(join(fixtureCharts, 'recon'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(fixtureCharts, 'recon', entry.name))];
const manifests = [
  corpusPath('rbac-bootstrap'),
  corpusPath('pod-security/testdata/restricted'),
  corpusPath('pod-security/testdata/baseline'),
  ...readdirSync(corpusPath('netpol-analyzer/cases')).sort().map((name) => corpusPath('netpol-analyzer/cases', name)),
];

interface Digest {
  findings: number;
  byRule: Record<string, number>;
  sha256: string;
}

/** The report as `--format json` prints it, minus the version, reduced to what the expected file keeps. */
function digest(report: ReturnType<typeof buildReport>): Digest {
  // Paths as this checkout and the corpus sit on this machine, so that the hash holds on any checkout.
  const text = render(report, 'json', { color: false }).split(CORPUS).join('<corpus>').split(REPO.replace(/\/$/, '')).join('<repo>');
  const json = JSON.parse(text) as { kubeward?: string; findings: { ruleId: string }[] };
  delete json.kubeward;
  const byRule: Record<string, number> = {};
  for (const finding of json.findings) byRule[finding.ruleId] = (byRule[finding.ruleId] ?? 0) + 1;
  const sortedByRule = Object.fromEntries(Object.entries(byRule).sort(([a], [b]) => a.localeCompare(b)));
  return { findings: json.findings.length, byRule: sortedByRule, sha256: createHash('sha256').update(JSON.stringify(json)).digest('hex') };
}

/** `kubeward scan SOURCE -n shop` and `kubeward rbac risks SOURCE --release-namespace shop`, in process. */
async function outputs(source: string): Promise<{ scan: Digest; risks: Digest }> {
  const loaded = await loadSources([source], { namespace: 'shop', probeCharts: true });
  const sources = [relative(REPO, source)];
  const scanned = scanInventory(loaded.inventory, { disable: [], ignore: [] }, { charts: loaded.charts, releaseNamespace: 'shop', probes: loaded.probes });
  const scanReport = buildReport({ sources, findings: scanned.findings, rules: scanned.rules, warnings: [...loaded.warnings, ...scanned.warnings] });
  scanReport.metrics = scanned.metrics;
  const engine = buildEngine(loaded.inventory, { builtinRoles: 'auto' });
  const options = { includeDefaults: false, execWithGet: true, ignores: [] };
  const risksReport = buildReport({ sources, findings: rbacFindings(engine, options), rules: rbacRuleMetas(options), warnings: [...loaded.warnings, ...engine.warnings], title: 'kubeward rbac risks' });
  return { scan: digest(scanReport), risks: digest(risksReport) };
}

describe('scan and rbac risks answer exactly as before the speed work', () => {
  it('on the fixture charts and the shared corpora', { timeout: 300_000 }, async () => {
    const results: Record<string, { scan: Digest; risks: Digest }> = {};
    for (const source of [...charts, ...manifests]) {
      const name = source.startsWith(REPO) ? relative(REPO, source) : relative(CORPUS, source);
      results[name] = await outputs(source);
    }
    expect(Object.keys(results).length).toBeGreaterThan(80);
    await expect(JSON.stringify(results, null, 2) + '\n').toMatchFileSnapshot('./same-output.expected.json');
  });
});

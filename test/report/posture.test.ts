import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostureReport } from '../../src/posture/model.js';
import { renderPostureMarkdown } from '../../src/report/posture-markdown.js';
import { HTML_BUDGET_BYTES } from '../../src/report/posture-html.js';
import { inkedPixels, launchBrowser, openPage, type WatchedPage } from '../helpers/browser.js';
import { writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';
import { attackAudit, attackDns, attackFlows, benignAudit, benignDns, benignFlows, byTime, flowTime, podList } from '../detect/scenario.js';
import { clusterDump, drillResult, drillScore, HOSTILE, hostileChart, SECRET_MARKER } from './posture-fixtures.js';

const TROJAN = join(REPO, 'test/fixtures/charts/fast-trace-agent');

/** The newest run the history folder holds (each run stores its JSON there). */
function newestRun(history: string): PostureReport {
  const files = readdirSync(history).filter((name) => name.endsWith('.json')).sort();
  return JSON.parse(readFileSync(join(history, files.at(-1)!), 'utf8')) as PostureReport;
}

const metricsOf = (report: PostureReport) => report.stages.flatMap((stage) => stage.metrics);

describe('kubeward report: the trojan chart in a cluster dump, with logs, flows, a drill run and score, and three earlier runs', () => {
  let browser: Browser;
  let dir: string;
  let history: string;
  let report: PostureReport;
  let page: WatchedPage;
  const screens: string[] = [];

  beforeAll(async () => {
    const audit = byTime([...benignAudit(3000), ...attackAudit()], (event) => Date.parse(String(event.requestReceivedTimestamp ?? event.stageTimestamp)));
    const dns = [...benignDns(400), ...attackDns(20)];
    dir = writeTree({
      'dump.json': JSON.stringify(clusterDump()),
      'pods.json': JSON.stringify(podList()),
      'audit.log': audit.map((event) => JSON.stringify(event)).join('\n') + '\n',
      'dns.log': dns.join('\n') + '\n',
      'flows.jsonl': byTime([...benignFlows(300), ...attackFlows()], flowTime).join('\n') + '\n',
      'drill.json': JSON.stringify(drillResult()),
      'score.json': JSON.stringify(drillScore()),
      '.kubeward.yaml': 'allowedRepositories:\n  - url: https://charts.internal.example.com\n    internal: true\n  - url: https://charts.bitnami.com/bitnami\n',
    });
    history = join(dir, 'history');
    const launching = launchBrowser();
    const common = ['dump.json', 'pods.json', TROJAN, '-n', 'tracing', '--audit-log', 'audit.log', '--dns-log', 'dns.log', '--flows', 'flows.jsonl', '--drill', 'drill.json', '--drill', 'score.json', '--history', 'history', '-q'];
    const first = await runCli(['report', ...common, '-o', 'run1.json'], { cwd: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // someone triaged the first run's alerts: the first one was noise, the rest actionable
    const alerts = (JSON.parse(readFileSync(join(dir, 'run1.json'), 'utf8')) as PostureReport).detection!.timeline;
    writeFileSync(join(dir, 'verdicts.yaml'), alerts.map((alert, index) => `${alert.id}: ${index === 0 ? 'false-positive' : 'true-positive'}`).join('\n'));
    for (const output of ['run2.json', 'run3.md', 'report.html']) {
      const run = await runCli(['report', ...common, '--verdicts', 'verdicts.yaml', '-o', output], { cwd: dir });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    report = newestRun(history);
    browser = await launching;
    page = await openPage(browser, pathToFileURL(join(dir, 'report.html')).href);
    await page.page.waitForSelector('html[data-rendered]');
  }, 120_000);
  afterAll(async () => browser?.close());

  it('opens in Chromium with no console error, no failed request and nothing fetched', async () => {
    expect(page.problems()).toEqual([]);
    expect(page.outsideRequests).toEqual([]);
    const policy = await page.page.$eval('meta[http-equiv="Content-Security-Policy"]', (meta) => meta.getAttribute('content'));
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(readFileSync(join(dir, 'report.html')).length).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
  });

  it('shows every metric of the JSON report, with the same value', async () => {
    const shown = await page.page.$$eval('td[data-metric]', (cells) => cells.map((cell) => [cell.getAttribute('data-metric'), cell.textContent]));
    const expected = metricsOf(report).map((metric) => [metric.id, metric.display]);
    expect(shown).toEqual(expected);
    // every stage measured every metric: the inputs cover all six stages
    expect(metricsOf(report).filter((metric) => metric.value === null).map((metric) => metric.id)).toEqual([]);
    expect(report.stages.map((stage) => stage.stage)).toEqual(['recon', 'evaluate', 'fortify', 'limit', 'expose', 'exercise']);
  });

  it('carries the battlecard metrics of each stage with the values the inputs imply', () => {
    const value = (id: string) => metricsOf(report).find((metric) => metric.id === id)?.value;
    expect(value('recon.cluster-role-bindings')).toBeGreaterThanOrEqual(2);
    expect(value('evaluate.escalation-paths')).toBeGreaterThanOrEqual(1);
    expect(value('evaluate.time-since-last-rbac-audit')).toBeGreaterThanOrEqual(0);
    // the flows: ordinary pods' egress and a dropped connection, the sidecar's DNS to 1.1.1.1 and its collector
    expect(value('limit.policy-violations')).toBeGreaterThanOrEqual(1);
    expect(value('limit.unexpected-egress')).toBeGreaterThanOrEqual(1);
    expect(report.detection!.flows).toBe(302);
    expect(value('recon.allowed-external-repositories')).toBe(1);
    // the run's stages, the score's MTTR and survey
    expect(value('exercise.mttr')).toBe(1260);
    expect(value('exercise.developer-confidence')).toBe(3.83);
    expect(value('exercise.stages-holding')).toBe(3);
    expect(value('exercise.gaps')).toBe(2);
    // one false positive among the judged alerts
    const fidelity = report.detection!.fidelity!;
    expect(fidelity.falsePositive).toBe(1);
    expect(fidelity.truePositive).toBe(report.detection!.alerts - 1);
    expect(value('expose.alert-fidelity')).toBe(Math.round((1000 * fidelity.truePositive) / fidelity.triaged) / 10);
    expect(report.detection!.alertsByRule.map((rule) => rule.rule)).toEqual(expect.arrayContaining(['secrets-read-across-namespaces']));
    expect(report.detection!.timeline.some((alert) => alert.step === 'exfiltrate')).toBe(true);
    expect(report.detection!.timeline.some((alert) => alert.step === 'read Secrets')).toBe(true);
  });

  it('draws the same numbers it prints: overview, findings and alerts by rule, the matrix, the charts', async () => {
    for (const stage of report.stages) {
      const total = await page.page.$eval(`td[data-count="${stage.stage}-total"]`, (cell) => cell.textContent);
      expect(Number(total)).toBe(stage.findings.total);
    }
    const rules = await page.page.$$eval('td[data-rule]', (cells) => cells.map((cell) => [cell.getAttribute('data-rule'), Number(cell.textContent)]));
    expect(rules).toEqual(report.findingsByRule.map((rule) => [rule.ruleId, rule.count]));
    const alerts = await page.page.$$eval('td[data-alert-rule]', (cells) => cells.map((cell) => [cell.getAttribute('data-alert-rule'), Number(cell.textContent)]));
    expect(alerts).toEqual(report.detection!.alertsByRule.map((rule) => [rule.rule, rule.count]));
    const cells = await page.page.$$eval('td[data-cell]', (tds) => tds.map((td) => td.textContent));
    expect(cells).toEqual(report.connectivity.cells.flat().map((cell) => (cell.possible ? String(cell.allowed) : '–')));
    const drawn = await page.page.evaluate(`(() => {
      const data = (id) => Chart.getChart(id).data.datasets[0].data;
      return { alerts: data('chart-alerts-by-rule'), rules: data('chart-findings-by-rule'),
        timeline: Chart.getChart('chart-timeline').data.datasets.reduce((sum, set) => sum + set.data.length, 0) };
    })()`);
    // and every chart drew on its canvas
    const ink = (await page.page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) inked++;
      return [canvas.id, inked];
    })`)) as [string, number][];
    expect(ink.length).toBe(3 + 1 + metricsOf(report).length);
    for (const [id, inked] of ink) expect(inked, id).toBeGreaterThan(500);
    expect(drawn).toEqual({ alerts: report.detection!.alertsByRule.map((rule) => rule.count), rules: report.findingsByRule.slice(0, 30).map((rule) => rule.count), timeline: report.detection!.timeline.length });
  });

  it('--history with three runs draws a trend line for every metric, four points each', async () => {
    expect(report.history.runs).toHaveLength(3);
    const trends = (await page.page.evaluate(`[...document.querySelectorAll('canvas[data-trend]')].map((canvas) => [canvas.dataset.trend, Chart.getChart(canvas).data.datasets[0].data])`)) as [string, (number | null)[]][];
    expect(trends.map(([id]) => id)).toEqual(metricsOf(report).map((metric) => metric.id));
    for (const [id, values] of trends) {
      expect(values, id).toEqual(report.history.trends[id]);
      expect(values.filter((value) => value !== null).length, id).toBeGreaterThanOrEqual(3);
    }
  });

  it('filters the RBAC graph and marks escalation paths in words, not only colour', async () => {
    const { page: tab } = page;
    const subjects = await tab.$$eval('#rbac-graph [data-type="subject"]', (nodes) => nodes.length);
    expect(subjects).toBe(report.rbacGraph.nodes.filter((node) => node.type === 'subject').length);
    await tab.type('#rbac-text', 'deployer');
    expect(await tab.$eval('#rbac-count', (output) => output.textContent)).toBe('1 subject shown');
    const visible = await tab.$$eval('#rbac-graph [data-type="subject"]:not(.off) text', (nodes) => nodes.map((node) => node.textContent));
    expect(visible).toEqual(['⚠ ServiceAccount ci/deployer']);
    await tab.$eval('#rbac-text', (input) => ((input as unknown as { value: string }).value = ''));
    await tab.click('#rbac-escalation');
    await tab.type('#rbac-text', ' ');
    const escalating = report.rbacGraph.nodes.filter((node) => node.type === 'subject' && node.escalation).length;
    expect(await tab.$eval('#rbac-count', (output) => output.textContent)).toBe(`${escalating} subject${escalating === 1 ? '' : 's'} shown`);
    expect(page.problems()).toEqual([]);
  });

  it('is keyboard navigable: the first Tab reaches the skip link, graph subjects take focus', async () => {
    const { page: tab } = page;
    await tab.reload({ waitUntil: 'load' });
    await tab.keyboard.press('Tab');
    expect(await tab.evaluate(`document.activeElement.className`)).toBe('skip');
    expect(await tab.$$eval('#rbac-graph [tabindex="0"]', (nodes) => nodes.length)).toBeGreaterThan(0);
    expect(await tab.$$eval('canvas:not([aria-label])', (nodes) => nodes.length)).toBe(0);
    expect(await tab.$$eval('section h2', (nodes) => nodes.length)).toBeGreaterThanOrEqual(7);
  });

  it('reads with colours off: severity, trends and outcomes are words and shapes, the heat map prints its numbers', async () => {
    const { page: tab } = page;
    // no colour at all, as a reader without colour vision (or a grey printout) sees it
    const session = await tab.createCDPSession();
    await session.send('Emulation.setEmulatedVisionDeficiency', { type: 'achromatopsia' });
    try {
      const grey = await tab.screenshot({ optimizeForSpeed: true });
      expect(await inkedPixels(browser, grey)).toBeGreaterThan(2000);
      const text = (await tab.evaluate('document.body.innerText')) as string;
      expect(text).toMatch(/▲ critical|◆ high|■ medium/i);
      expect(text).toMatch(/better than the last run|worse than the last run|unchanged over 4 runs/);
      expect(text).toContain('■ stopped');
      expect(await tab.$$eval('td[data-cell]', (cells) => cells.every((cell) => /^(\d+|–)$/.test(cell.textContent ?? '')))).toBe(true);
      expect(page.problems()).toEqual([]);
    } finally {
      await session.send('Emulation.setEmulatedVisionDeficiency', { type: 'none' });
      await session.detach();
    }
  });

  it('screenshots every section, none blank', async () => {
    const folder = join(dir, 'screenshots');
    mkdirSync(folder, { recursive: true });
    const sections = await page.page.$$('main > section');
    expect(sections.length).toBeGreaterThanOrEqual(8);
    for (const section of sections) {
      const id = await section.evaluate((element) => element.id);
      // the top of each section (at most a screen), scrolled into view: no resize, so the charts are not redrawn
      await section.evaluate((element) => element.scrollIntoView());
      const box = (await section.boundingBox())!;
      const scrolled = (await page.page.evaluate('window.scrollY')) as number;
      const clip = { x: box.x, y: box.y + scrolled, width: Math.min(box.width, 1280), height: Math.min(box.height, 900 - box.y) };
      const png = await page.page.screenshot({ path: join(folder, `${id}.png`) as `${string}.png`, clip, captureBeyondViewport: false, optimizeForSpeed: true });
      expect(await inkedPixels(browser, png), id).toBeGreaterThan(2000);
      screens.push(id);
    }
    expect(screens).toEqual(expect.arrayContaining(['overview', 'stage-recon', 'stage-evaluate', 'stage-fortify', 'stage-limit', 'stage-expose', 'stage-exercise', 'trends']));
  });

  it('the markdown form states every metric of its run', () => {
    const markdown = readFileSync(join(dir, 'run3.md'), 'utf8');
    const run3 = JSON.parse(readFileSync(join(history, readdirSync(history).sort()[2]), 'utf8')) as PostureReport;
    for (const metric of metricsOf(run3)) expect(markdown, metric.id).toContain(`| ${metric.name} | ${metric.display} |`);
    for (const stage of run3.stages) expect(markdown).toContain(`. ${stage.title}`);
  });

  it('never carries a Secret value', () => {
    for (const name of ['report.html', 'run3.md', 'run1.json']) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(text).not.toContain(SECRET_MARKER);
      expect(text).not.toContain(Buffer.from(SECRET_MARKER).toString('base64'));
      expect(text).not.toContain('aHVudGVyMg==');
    }
  });
});

describe('kubeward report: hostile names', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    const launching = launchBrowser();
    dir = writeTree({ ...Object.fromEntries(Object.entries(hostileChart()).map(([path, text]) => [`chart/${path}`, text])) });
    const run = await runCli(['report', 'chart', '--history', 'history', '-o', 'hostile.html', '-q'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    browser = await launching;
  }, 60_000);
  afterAll(async () => browser?.close());

  it('shows markup, quotes and control characters as text: nothing runs, nothing breaks out', async () => {
    const file = join(dir, 'hostile.html');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
    expect(text).not.toContain(SECRET_MARKER);
    const page = await openPage(browser, pathToFileURL(file).href);
    await page.page.waitForSelector('html[data-rendered]');
    expect(page.problems()).toEqual([]);
    expect(await page.page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.page.$$eval('script', (scripts) => scripts.map((script) => script.getAttribute('type') ?? 'js'))).toEqual(['application/json', 'js', 'js']);
    expect(await page.page.$$eval('style', (styles) => styles.length)).toBe(1);
    expect(await page.page.$$eval('img, [onerror], [onload]', (nodes) => nodes.length)).toBe(0);
    const body = (await page.page.evaluate('document.body.innerText')) as string;
    expect(body).toContain('evil</style></script><script>window.__pwned=1</script>');
    expect(body).toContain('\\x1b[31m\\u202e');
    // the graph and the charts drew the hostile names as text too
    expect(await page.page.$$eval('#rbac-graph [data-type="subject"]', (nodes) => nodes.length)).toBeGreaterThan(0);
    const labels = (await page.page.evaluate(`Chart.getChart('chart-registries').data.labels`)) as string[];
    expect(labels).toContain('evil.example.com');
    await page.page.close();
  });

  it('the markdown and JSON forms escape them too', () => {
    const report = newestRun(join(dir, 'history'));
    const markdown = renderPostureMarkdown(report);
    expect(markdown).not.toContain('\u001b');
    expect(markdown).not.toContain('\u202e');
    // markup is literal inside code spans; everywhere else it is escaped
    const outsideCode = markdown.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<script>');
    expect(outsideCode).not.toContain('</style>');
    expect(outsideCode).not.toContain('<img');
    expect(outsideCode).toContain('&lt;script>');
    const json = readdirSync(join(dir, 'history')).map((name) => readFileSync(join(dir, 'history', name), 'utf8')).join('');
    expect(json).not.toContain(SECRET_MARKER);
    expect(JSON.stringify(report)).toContain(JSON.stringify(HOSTILE).slice(1, 20));
  });
});

describe('kubeward report: bad input', () => {
  it('an unwritable output: one line, exit 2, nothing written', async () => {
    const dir = writeTree({ 'dump.json': JSON.stringify(clusterDump()) });
    mkdirSync(join(dir, 'out.html'));
    for (const output of ['missing/report.html', 'out.html', 'dump.json/report.html']) {
      const run = await runCli(['report', 'dump.json', '-o', output], { cwd: dir });
      expect(run.code, output).toBe(2);
      expect(run.stderr, output).toMatch(/^kubeward: cannot write [^\n]+\n$/);
      expect(run.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('a history folder with a foreign file: skipped with a warning, the run kept', async () => {
    const dir = writeTree({ 'dump.json': JSON.stringify(clusterDump()), 'history/notes.txt': 'hello', 'history/other.json': '{"kubeward":"x"}', 'history/broken.json': '{' });
    const run = await runCli(['report', 'dump.json', '--history', 'history', '-o', 'report.json'], { cwd: dir });
    expect(run.code).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines.filter((line) => line.includes('--history'))).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^kubeward: warning: /);
    expect(run.stderr).toContain('notes.txt: not a kubeward report');
    expect(readdirSync(join(dir, 'history')).filter((name) => name.startsWith('kubeward-report-'))).toHaveLength(1);
  });

  it('a drill result, verdicts or a history path that cannot be used: one line, exit 2, nothing written', async () => {
    const dir = writeTree({ 'dump.json': JSON.stringify(clusterDump()), 'drill.json': '{"kubeward":"0.1.0"}', 'file': 'x', 'audit.log': '', 'verdicts.yaml': 'abc123: maybe\n' });
    const cases = [
      ['--drill', 'drill.json'],
      ['--drill', 'missing.json'],
      ['--history', 'file'],
      ['--audit-log', 'audit.log', '--verdicts', 'verdicts.yaml'],
      ['--verdicts', 'verdicts.yaml'],
    ];
    for (const flags of cases) {
      const run = await runCli(['report', 'dump.json', ...flags, '-o', 'report.html'], { cwd: dir });
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr, flags.join(' ')).toMatch(/^kubeward: [^\n]+\n$/);
      expect(existsSync(join(dir, 'report.html'))).toBe(false);
    }
  });
});

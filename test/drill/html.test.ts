/**
 * The html scorecard in real headless Chromium: it loads without a console error, an exception or a
 * request leaving the page, the picture shows the five stages with their outcomes and the stop, and a
 * screenshot has ink in it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkedPixels, launchBrowser, openPage } from '../helpers/browser.js';
import { REPO, runCli } from '../helpers/cli.js';

const HOME = mkdtempSync(join(tmpdir(), 'kubeward-drill-html-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('kubeward drill run --format html', () => {
  it('is one self-contained file that opens cleanly, pictures the path and can be screenshotted', async () => {
    const file = join(HOME, 'drill.html');
    const run = await runCli(['drill', 'run', 'trojan-chart', '--no-config', '--format', 'html', '-o', file], { cwd: HOME });
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link |src="http|href="http/);

    const { page, problems } = await openPage(browser, pathToFileURL(file).href);
    const stages = (await page.$$eval('svg g.stage', (nodes) => nodes.map((node) => [node.getAttribute('data-stage'), node.getAttribute('data-outcome')]))) as [string, string][];
    expect(stages).toEqual([
      ['recon', 'stopped'],
      ['evaluate', 'detected'],
      ['fortify', 'missed'],
      ['limit', 'missed'],
      ['expose', 'detected'],
    ]);
    expect(await page.$eval('svg g.stop', (node) => node.getAttribute('data-stage'))).toBe('recon');
    expect(await page.$$eval('section.stage', (nodes) => nodes.length)).toBe(5);
    // Every gap of the JSON contract is in the page with its fix.
    const gaps = await page.$$eval('table.gaps tbody tr', (rows) => rows.length);
    expect(gaps).toBeGreaterThan(0);
    const figure = await page.$('figure#path');
    const box = await figure!.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(join(HOME, 'drill.png'), shot);
    expect(await inkedPixels(browser, shot)).toBeGreaterThan(10_000);
    expect(problems()).toEqual([]);
    await page.close();
  });

  it('escapes what the scenario says: a hostile title stays text', async () => {
    const scenario = readFileSync(join(REPO, 'drills/trojan-chart.yaml'), 'utf8')
      .replace(/^title: .*$/m, 'title: "<img src=x onerror=alert(1)><script>alert(2)</script>"')
      .replace(/^  path: charts\/trojan-chart$/m, `  path: ${join(REPO, 'drills/charts/trojan-chart')}`);
    const source = join(HOME, 'hostile.yaml');
    writeFileSync(source, scenario);
    const file = join(HOME, 'hostile.html');
    const run = await runCli(['drill', 'run', source, '--no-config', '--format', 'html', '-o', file], { cwd: HOME });
    expect(run.code, run.stderr).toBe(0);
    const { page, problems } = await openPage(browser, pathToFileURL(file).href);
    expect(await page.$$eval('img, script', (nodes) => nodes.length)).toBe(0);
    expect(await page.$eval('h1', (node) => node.textContent)).toContain('<img src=x onerror=alert(1)>');
    expect(problems()).toEqual([]);
    await page.close();
  });
});

// `npm run bench report`: the posture report (`kubeward report`) over 2,000 workloads, 4,000
// ServiceAccounts and 20,000 bindings (bench/posture-cluster.mjs). Prints the time to build the
// report (every engine), to render the HTML, the file's size against its budget, and how long
// headless Chromium takes to open and draw it (goal: under 2 s), against a floor measured in the
// same run: the same browser opening a page that only loads Chart.js and draws one bar chart.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';
import { Inventory } from '../dist/core/inventory.js';
import { buildPosture } from '../dist/posture/build.js';
import { HTML_BUDGET_BYTES, renderPostureHtml } from '../dist/report/posture-html.js';
import { largeCluster } from './posture-cluster.mjs';

const GOAL_MS = 2000;
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), 'kubeward-bench-report-'));

const inventory = Inventory.of(largeCluster().items);
let start = performance.now();
const report = buildPosture({ inventory, config: { disable: [], ignore: [] }, sources: ['large-cluster.json'] });
const buildMs = performance.now() - start;
start = performance.now();
const html = renderPostureHtml(report);
const renderMs = performance.now() - start;
const file = join(dir, 'report.html');
writeFileSync(file, html);

const chartJs = readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
const floorFile = join(dir, 'floor.html');
writeFileSync(
  floorFile,
  `<!doctype html><meta charset="utf-8"><div style="height:300px"><canvas id="c"></canvas></div><script>${chartJs}</script>` +
    `<script>new Chart(document.getElementById('c'),{type:'bar',data:{labels:['a','b'],datasets:[{data:[1,2]}]},options:{animation:false}});document.documentElement.setAttribute('data-rendered','1')</script>`,
);

const browser = await puppeteer.launch({
  executablePath: await chromium.executablePath(),
  headless: true,
  args: [...chromium.args, '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-quic'],
});
/** From navigation to the page's script having drawn everything (data-rendered), the median of RUNS fresh pages. */
async function openTime(path) {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const begin = performance.now();
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForSelector('html[data-rendered]');
    times.push(performance.now() - begin);
    await page.close();
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}
const floorMs = await openTime(floorFile);
const pageMs = await openTime(file);
await browser.close();

const bytes = Buffer.byteLength(html);
console.log(`posture report: 2,000 workloads, 20,000 bindings, ${report.rbacGraph.subjects} risky subjects (${report.rbacGraph.shownSubjects} drawn), ${report.connectivity.namespaces.length} matrix rows`);
console.log(`  build (every engine)  ${buildMs.toFixed(0)} ms`);
console.log(`  render HTML           ${renderMs.toFixed(0)} ms`);
console.log(`  file                  ${(bytes / 1024).toFixed(0)} KiB of a ${(HTML_BUDGET_BYTES / 1024).toFixed(0)} KiB budget (${((100 * bytes) / HTML_BUDGET_BYTES).toFixed(0)}%)`);
console.log(`  Chromium open + draw  ${pageMs.toFixed(0)} ms (goal < ${GOAL_MS} ms), ${(pageMs / floorMs).toFixed(1)}× the floor (${floorMs.toFixed(0)} ms: Chart.js and one chart)`);
if (pageMs > GOAL_MS || bytes > HTML_BUDGET_BYTES) {
  console.log('  OVER GOAL');
  process.exitCode = 1;
}

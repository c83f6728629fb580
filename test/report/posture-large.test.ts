import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { largeCluster } from '../../bench/posture-cluster.mjs';
import { Inventory } from '../../src/core/inventory.js';
import { buildPosture } from '../../src/posture/build.js';
import { MAX_GRAPH_SUBJECTS, MAX_MATRIX_NAMESPACES } from '../../src/posture/model.js';
import { HTML_BUDGET_BYTES, renderPostureHtml } from '../../src/report/posture-html.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { writeTree } from '../helpers/chart.js';

// How fast Chromium draws it is measured in bench/report.bench.mjs (goal: under 2 s); here, that it
// stays within its budget and draws whole.
describe('kubeward report on 2,000 workloads and 20,000 bindings', () => {
  it('stays within the file budget, opens cleanly and draws every picture within its caps', async () => {
    const dump = largeCluster();
    expect(dump.items.filter((item) => item.kind === 'Deployment')).toHaveLength(2000);
    expect(dump.items.filter((item) => String(item.kind).endsWith('Binding'))).toHaveLength(20000);
    const launching = launchBrowser();
    const report = buildPosture({ inventory: Inventory.of(dump.items as never), config: { disable: [], ignore: [] }, sources: ['large-cluster.json'] });
    const html = renderPostureHtml(report);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
    expect(report.rbacGraph.subjects).toBeGreaterThan(MAX_GRAPH_SUBJECTS);
    expect(report.rbacGraph.shownSubjects).toBe(MAX_GRAPH_SUBJECTS);
    expect(report.connectivity.namespaces).toHaveLength(MAX_MATRIX_NAMESPACES);
    expect(report.connectivity.folded).toBe(200 - (MAX_MATRIX_NAMESPACES - 1));
    // folding loses no workload
    expect(report.connectivity.namespaces.reduce((sum, namespace) => sum + namespace.workloads, 0)).toBe(2000);
    const file = join(writeTree({}), 'large.html');
    writeFileSync(file, html);
    const browser = await launching;
    try {
      const page = await openPage(browser, pathToFileURL(file).href);
      await page.page.waitForSelector('html[data-rendered]');
      expect(page.problems()).toEqual([]);
      expect(await page.page.$$eval('#rbac-graph [data-type="subject"]', (nodes) => nodes.length)).toBe(MAX_GRAPH_SUBJECTS);
      expect(await page.page.$$eval('td[data-cell]', (cells) => cells.length)).toBe(MAX_MATRIX_NAMESPACES ** 2);
    } finally {
      await browser.close();
    }
  }, 120_000);
});

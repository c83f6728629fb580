import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkedPixels, launchBrowser, openPage } from '../helpers/browser.js';
import { writeTree } from '../helpers/chart.js';

// The shared browser helper must itself catch what the HTML tests rely on it to catch.
describe('test helper: headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchBrowser();
    dir = writeTree({});
  });
  afterAll(async () => browser?.close());

  function page(name: string, html: string): string {
    const file = join(dir, name);
    writeFileSync(file, html);
    return pathToFileURL(file).href;
  }

  it('a clean page has no problems and its screenshot is inked', async () => {
    const watched = await openPage(browser, page('clean.html', '<!doctype html><title>t</title><h1 style="font-size:60px">Hello</h1>'));
    expect(watched.problems()).toEqual([]);
    expect(await inkedPixels(browser, await watched.page.screenshot())).toBeGreaterThan(100);
    await watched.page.close();
  });

  it('a blank page screenshot has no ink', async () => {
    const watched = await openPage(browser, page('blank.html', '<!doctype html><title>t</title>'));
    expect(await inkedPixels(browser, await watched.page.screenshot())).toBe(0);
    await watched.page.close();
  });

  it('records console errors, exceptions and requests that leave the page (aborted)', async () => {
    const html = `<!doctype html><title>t</title><img src="http://example.invalid/x.png" alt="">
      <script>console.error('boom');</script><script>throw new Error('uncaught');</script>`;
    const watched = await openPage(browser, page('bad.html', html));
    const problems = watched.problems().join('\n');
    expect(problems).toContain('console error: boom');
    expect(problems).toContain('uncaught');
    expect(watched.outsideRequests).toEqual(['http://example.invalid/x.png']);
    await watched.page.close();
  });
});

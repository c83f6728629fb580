import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Real headless Chromium for tests of HTML output (reports, scorecards). One browser per test file:
 * launch in `beforeAll`, close in `afterAll`. Every page opened through `openPage` is watched: console
 * errors (CSP violations land there), uncaught exceptions, failed requests, and any request that would
 * leave the page (anything but the page's own URL, `data:`, `blob:` and `about:`) is aborted and recorded.
 */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: [...chromium.args, '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Everything that went wrong on the page so far, one line each; a healthy page has none. */
  problems(): string[];
  /** URLs the page tried to fetch beyond itself (already aborted). */
  outsideRequests: string[];
}

const LOCAL_SCHEMES = ['data:', 'blob:', 'about:'];

/** Opens `url` (usually `pathToFileURL(file).href`) in a fresh page that records what goes wrong. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const failedRequests: string[] = [];
  const outsideRequests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'assert') consoleErrors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  page.on('requestfailed', (request) => failedRequests.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const target = request.url();
    const own = target.split('#')[0] === url.split('#')[0];
    if (own || LOCAL_SCHEMES.some((scheme) => target.startsWith(scheme))) {
      void request.continue();
    } else {
      outsideRequests.push(target);
      void request.abort('blockedbyclient');
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    outsideRequests,
    problems: () => [...consoleErrors, ...pageErrors, ...failedRequests, ...outsideRequests.map((target) => `request left the page: ${target}`)],
  };
}

/**
 * How many pixels of a PNG screenshot differ from its top-left pixel (the background): a blank or
 * single-colour capture gives 0. Decoded by the browser itself, in a blank page of its own.
 */
export async function inkedPixels(browser: Browser, png: Uint8Array): Promise<number> {
  const page = await browser.newPage();
  try {
    const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    return (await page.evaluate(`(${INK_COUNTER})(${JSON.stringify(dataUrl)})`)) as number;
  } finally {
    await page.close();
  }
}

/** Runs in the page (the tests compile without the DOM library, so it is source text). */
const INK_COUNTER = `async (source) => {
  const image = new Image();
  image.src = source;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let index = 0; index < data.length; index += 4) {
    if (data[index] !== data[0] || data[index + 1] !== data[1] || data[index + 2] !== data[2]) inked += 1;
  }
  return inked;
}`;

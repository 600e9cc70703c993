// Chromium against `basicauth dev --engine cloudfront-function`: the same 401
// page from the CloudFront function, the site with the right credentials, and
// a rotation that locks the old password out at the very next request.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserSite, withContext, type BrowserSite } from '../helpers/chromium.js';
import { runCli } from '../helpers/run-cli.js';
import { missing } from '../helpers/tools.js';

const HINT = 'Ask the function-engine team in #access.';
let site: BrowserSite;
let dev: BrowserSite['dev'];
let browser: Browser;
const local = () => site.local();
const credentials = () => site.credentials();

beforeAll(async () => {
  if (!hasChromium) return;
  site = await startBrowserSite(
    'browser-cff',
    { engine: 'cloudfront-function', bypassPaths: ['/healthz'], accessHint: HINT },
    ['--deploy-seconds', '0'],
  );
  ({ dev, browser } = site);
}, 60_000);

afterAll(() => site?.stop());

describe.skipIf(missing('chromium', hasChromium))('in Chromium, the cloudfront-function engine', () => {
  it('shows the 401 page with the hint, the site with the right credentials, and the bypass path without', async () => {
    await withContext(
      browser,
      { httpCredentials: { username: 'admin', password: 'not-the-password' } },
      async (context) => {
        const page = await context.newPage();
        const response = await page.goto(dev.info.edgeUrl);
        expect(response?.status()).toBe(401);
        expect(response?.headers()['www-authenticate']).toBe('Basic realm="browser-cff", charset="UTF-8"');
        expect(await page.textContent('h1')).toBe('This site is protected');
        expect(await page.textContent('main')).toContain(HINT);
      },
    );
    await withContext(browser, { httpCredentials: await credentials() }, async (context) => {
      const response = await (await context.newPage()).goto(dev.info.edgeUrl);
      expect(response?.status()).toBe(200);
    });
    await withContext(browser, {}, async (context) => {
      expect((await (await context.newPage()).goto(new URL('/healthz', dev.info.edgeUrl).href))?.status()).toBe(200);
    });
  });

  it('after rotate --now, the page holding the old password is asked again at once, and the new one gets in', async () => {
    const old = await credentials();
    await withContext(browser, { httpCredentials: old }, async (context) => {
      const page = await context.newPage();
      expect((await page.goto(dev.info.edgeUrl))?.status()).toBe(200);
      const rotated = await runCli(['rotate', '--now', '--yes', ...local()]);
      expect(rotated.code, rotated.stderr).toBe(0);
      // no cache anywhere: the store update is the change
      expect((await page.reload())?.status()).toBe(401);
      await withContext(browser, { httpCredentials: await credentials() }, async (next) => {
        expect((await (await next.newPage()).goto(dev.info.edgeUrl))?.status()).toBe(200);
      });
    });
  });
});

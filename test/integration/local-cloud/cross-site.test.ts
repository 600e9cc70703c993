// The dev API answers this machine's clients only: a web page the developer
// happens to open must not drive it. A no-cors <img> or <script> sends no
// Origin, but its browser says Sec-Fetch-Site; and credentials in a query
// string (a presigned URL anyone can embed) may only read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';
import { hasChromium, launchChromium } from '../../helpers/chromium.js';
import { missing } from '../../helpers/tools.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDTEST/20261206/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00';
const createRoleQuery = (name: string) =>
  new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: name,
    AssumeRolePolicyDocument: TRUST,
    'X-Amz-Credential': 'AKIDTEST/20261206/us-east-1/iam/aws4_request',
  });

/** Whether the role exists, asked as the AWS CLI asks (a signed POST). */
async function roleExists(name: string): Promise<boolean> {
  const res = await fetch(t.cloud.endpoint, {
    method: 'POST',
    headers: { authorization: SIGNED, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'GetRole', Version: '2010-05-08', RoleName: name }).toString(),
  });
  return res.status === 200;
}

describe('the dev API refuses what a web page can send', () => {
  it('refuses a state-changing call authenticated only by query-string credentials', async () => {
    const res = await fetch(`${t.cloud.endpoint}/?${createRoleQuery('presigned-role')}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AccessDenied[\s\S]*presigned URL\) may only read/);
    expect(await roleExists('presigned-role')).toBe(false);
  });

  it('refuses a request a browser marks as coming from another site, signed or not, /_local included', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const res = await fetch(t.cloud.endpoint, {
        method: 'POST',
        headers: { authorization: SIGNED, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': site },
        body: createRoleQuery('cross-site-role').toString(),
      });
      expect(res.status, site).toBe(403);
      expect(
        (await fetch(`${t.cloud.endpoint}/_local/health`, { headers: { 'sec-fetch-site': site } })).status,
        site,
      ).toBe(403);
    }
    expect(await roleExists('cross-site-role')).toBe(false);
    // the developer's own clients and the dashboard page (same-origin, or typed in: none) still get through
    for (const site of ['same-origin', 'none'])
      expect(
        (await fetch(`${t.cloud.endpoint}/_local/health`, { headers: { 'sec-fetch-site': site } })).status,
        site,
      ).toBe(200);
  });

  it('still lets a signed client create the role', async () => {
    const res = await fetch(t.cloud.endpoint, {
      method: 'POST',
      headers: { authorization: SIGNED, 'content-type': 'application/x-www-form-urlencoded' },
      body: createRoleQuery('signed-role').toString(),
    });
    expect(res.status, await res.text()).toBe(200);
    expect(await roleExists('signed-role')).toBe(true);
  });

  it.skipIf(missing('chromium', hasChromium))(
    'a page in a real Chromium cannot create a role with an <img>',
    { timeout: 60_000 },
    async () => {
      const target = `${t.cloud.endpoint.replace('127.0.0.1', 'localhost')}/?${createRoleQuery('img-role')}`;
      const target2 = `${t.cloud.endpoint}/?${createRoleQuery('img-role-2')}`;
      const page: Server = createServer((_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            `<!doctype html><img src="${target.replace(/&/g, '&amp;')}"><img src="${target2.replace(/&/g, '&amp;')}">`,
          );
      });
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        // the browser sends both; what comes back it hides from the page (ORB), so count the requests that settled
        let settled = 0;
        const settle = (r: { url(): string }) => {
          if (r.url().includes('Action=CreateRole')) settled++;
        };
        tab.on('requestfinished', settle);
        tab.on('requestfailed', settle);
        await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`, { waitUntil: 'load' });
        await expect.poll(() => settled, { timeout: 10_000 }).toBe(2);
      } finally {
        await browser.close();
        page.close();
      }
      expect(await roleExists('img-role')).toBe(false);
      expect(await roleExists('img-role-2')).toBe(false);
    },
  );
});

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { noticeText, postNotice } from '../../../handlers/rotate/notify.js';

const notice = {
  secretName: 'basicauth/staging',
  versionId: '0123456789abcdef',
  siteUrl: 'https://staging.example.com',
};
const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function webhook(status: number): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    bodies.push(JSON.parse(text));
    res.writeHead(status).end('ok');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe('rotation notice', () => {
  it('posts a Slack-compatible body that says how to get the password', async () => {
    const hook = await webhook(200);
    expect(await postNotice(hook.url, notice)).toEqual({ ok: true });
    expect(hook.bodies).toEqual([{ text: noticeText(notice) }]);
    expect(noticeText(notice)).toContain('basicauth show-creds');
    expect(noticeText(notice)).toContain('https://staging.example.com');
  });

  it('reports a failing or unreachable webhook without throwing', async () => {
    const hook = await webhook(500);
    expect(await postNotice(hook.url, notice)).toEqual({ ok: false, error: 'webhook answered HTTP 500' });
    expect(await postNotice('http://127.0.0.1:1/hook', notice)).toMatchObject({ ok: false });
  });
});

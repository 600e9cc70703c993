// 10,000 malformed requests through the local edge: headers, encodings, huge
// values, odd methods, broken HTTP. No crash, no allow (the origin never sees
// one of them), bounded memory.
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSite, type LocalSite } from '../helpers/local-site.js';

const PASSWORD = 'input-Password-0123456789abcd';
let site: LocalSite;
beforeAll(async () => {
  site = await startLocalSite({ value: { username: 'admin', password: PASSWORD }, instances: 2 });
});
afterAll(() => site.stop());

interface Shot {
  method: string;
  path: string;
  headers: Array<[string, string]>;
}

const header = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.uint8Array({ maxLength: 200 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
  fc.string({ maxLength: 200, unit: 'grapheme-ascii' }),
  fc.constantFrom(
    'Basic',
    'Basic ',
    'basic ====',
    'Basic YWRtaW4=',
    'Bearer x',
    `Basic ${Buffer.from(`admin:${PASSWORD}x`).toString('base64')}`,
    `Basic ${Buffer.from(`Admin:${PASSWORD}`).toString('base64')}`,
  ),
  fc.integer({ min: 1000, max: 12_000 }).map((n) => `Basic ${'A'.repeat(n)}`),
);
const shot: fc.Arbitrary<Shot> = fc.record({
  method: fc.constantFrom(
    'GET',
    'HEAD',
    'POST',
    'PUT',
    'DELETE',
    'OPTIONS',
    'PATCH',
    'PURGE',
    'PROPFIND',
    'M-SEARCH',
    'TRACE',
  ),
  path: fc.oneof(
    fc.constant('/'),
    fc.webPath().map((p) => p || '/'),
    fc.constantFrom(
      '/../etc/passwd',
      '/%2e%2e/admin',
      '/%00',
      '/healthz/..%2f',
      `/${'x'.repeat(6000)}`,
      '/?a=1&a=2&%ff=%fe',
    ),
  ),
  headers: fc.array(
    fc.oneof(
      header.map((v): [string, string] => ['Authorization', v]),
      fc.tuple(
        fc.constantFrom('Origin', 'Access-Control-Request-Method', 'X-Forwarded-For', 'Cookie', 'Host', 'X-A'),
        fc.string({ maxLength: 100, unit: 'grapheme-ascii' }),
      ),
    ),
    { maxLength: 4 },
  ),
});

// Header values Node refuses to send (control characters) are sent raw instead.
function send(s: Shot): Promise<number> {
  const url = new URL(site.edge.url);
  return new Promise((resolve) => {
    try {
      // a raw header list: Node adds no Host of its own, so one goes first
      const headers = [...(s.headers.some(([k]) => k === 'Host') ? [] : [['Host', url.host]]), ...s.headers].flat();
      const req = request(
        { host: url.hostname, port: url.port, method: s.method, path: encodeURI(s.path).replace(/%25/g, '%'), headers },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(-1));
      req.end();
    } catch {
      resolve(
        raw(`${s.method} / HTTP/1.1\r\nHost: x\r\n${s.headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`),
      );
    }
  });
}

function raw(text: string | Buffer): Promise<number> {
  const url = new URL(site.edge.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('data', (c) => (answer += c));
    socket.on('error', () => resolve(-1));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? -1)));
    socket.end(text);
  });
}

describe('the local edge under malformed input', () => {
  it('answers 10,000 malformed requests without a crash, an allow, or unbounded memory', async () => {
    const shots = fc.sample(shot, 9_900);
    const brokenHttp = [
      'GET / HTTP/1.1\r\nAuthorization: Basic \x00\x01\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET / HTTP/1.1\r\nAuthorization: ${'B'.repeat(20_000)}\r\n\r\n`,
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
    ];
    const rssBefore = process.memoryUsage().rss;
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    let next = 0;
    const worker = async () => {
      while (next < shots.length) count(await send(shots[next++]!));
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    for (let i = 0; i < 100; i++) count(await raw(brokenHttp[i % brokenHttp.length]!));
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(10_000);
    expect(site.originHits.count).toBe(0);
    for (const status of statuses.keys())
      expect(status === -1 || (status >= 400 && status < 600), `status ${status}`).toBe(true);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(statuses.get(503) ?? 0).toBe(0);
    const grew = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(grew).toBeLessThan(150);
    console.info(`edge input: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}; rss +${grew.toFixed(0)} MiB`);
    // and it still lets the right credential through
    const ok = await fetch(site.edge.url, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` },
    });
    expect(ok.status).toBe(200);
    expect(site.originHits.count).toBe(1);
  });
});

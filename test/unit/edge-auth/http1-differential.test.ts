// The edge's HTTP/1.1 answer parser against Node's own (llhttp, strict): a raw
// socket server writes answers mutated byte by byte (control bytes, spaces,
// framing headers side by side), node:http reads each, and so does ours.
// Whatever llhttp refuses, ours refuses; where both accept, they read the same
// status and body. (Ours may refuse more: it only ever talks to Secrets Manager.)
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnswer } from '../../../handlers/edge-auth/http1.js';

let server: Server;
let port = 0;
const queue: Buffer[] = [];
beforeAll(async () => {
  // each connection gets the next answer, then the server closes its side
  server = createServer((socket) => {
    socket.once('data', () => socket.end(queue.shift() ?? Buffer.alloc(0)));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Reading = { ok: true; status: number; body: string } | { ok: false };

/** What node:http makes of `answer`: the first answer read whole, or a refusal. */
function viaNode(answer: Buffer): Promise<Reading> {
  queue.push(answer);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Reading) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-length': '2' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done(
            res.complete
              ? { ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }
              : { ok: false },
          ),
        );
        res.on('error', () => done({ ok: false }));
        res.on('aborted', () => done({ ok: false }));
      },
    );
    req.on('error', () => done({ ok: false }));
    req.end('{}');
  });
}

function viaOurs(answer: Buffer): Reading {
  try {
    const parsed = parseAnswer(answer, true);
    return parsed ? { ok: true, status: parsed.status, body: parsed.body.toString('latin1') } : { ok: false };
  } catch {
    return { ok: false };
  }
}

const BASES = [
  'HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 13\r\nX-Amzn-RequestId: abc\r\n\r\n{"Name":"s1"}',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{"a":\r\n3;ext=1\r\n"b"\r\n1\r\n}\r\n0\r\n\r\n',
  'HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na',
];
// What an attacker or a broken peer puts in: controls, whitespace, separators, framing headers.
const INSERTS = [
  '\r',
  '\n',
  '\0',
  ' ',
  '\t',
  '\x01',
  '\x7f',
  ':',
  ';',
  '0',
  'f',
  '\r\n',
  '\r\nContent-Length: 3',
  '\r\nTransfer-Encoding: chunked',
  '\r\nContent-Length: 13',
  ' \r\n x',
];

const mutated = fc
  .tuple(
    fc.constantFrom(...BASES),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INSERTS), fc.boolean()), { minLength: 1, maxLength: 3 }),
  )
  .map(([base, edits]) => {
    let text = base;
    for (const [at, insert, replace] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(replace ? i + 1 : i);
    }
    return text;
  });

describe("the edge's HTTP/1.1 parser against node:http's", () => {
  it('agrees on the unmutated answers', async () => {
    for (const base of BASES) {
      const [node, ours] = [await viaNode(Buffer.from(base, 'latin1')), viaOurs(Buffer.from(base, 'latin1'))];
      expect(node.ok, base).toBe(true);
      expect(ours, base).toEqual(node);
    }
  });

  it('refuses what llhttp refuses, and reads alike what both accept (mutated answers)', async () => {
    let refusedByNode = 0;
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        const bytes = Buffer.from(text, 'latin1');
        const [node, ours] = [await viaNode(bytes), viaOurs(bytes)];
        if (!node.ok) {
          refusedByNode++;
          expect(ours.ok, `llhttp refuses ${JSON.stringify(text)}`).toBe(false);
        } else if (ours.ok) {
          expect(ours, JSON.stringify(text)).toEqual(node);
        }
      }),
      { numRuns: 600 },
    );
    // the mutations reach what llhttp refuses, or this test proves nothing
    expect(refusedByNode).toBeGreaterThan(100);
  });

  it.each([
    ['a bare CR in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 1\r\n\r\na'],
    ['a bare LF in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\nb\r\nContent-Length: 1\r\n\r\na'],
    ['a NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 1\r\n\r\na'],
    [
      'Content-Length beside chunked',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n',
    ],
    ['a space before a chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 1\r\na\r\n0\r\n\r\n'],
    ['a space after a chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n'],
  ])("refuses the review's case: %s (and llhttp does too)", async (_name, text) => {
    const bytes = Buffer.from(text, 'latin1');
    expect(viaOurs(bytes).ok).toBe(false);
    expect((await viaNode(bytes)).ok).toBe(false);
  });

  it('refuses a Transfer-Encoding with a tab in it, which llhttp reads as not chunked (found by the fuzz above, seed 1082306722)', async () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\t\r\nContent-Type: application/json\r\n\r\n5\r\n{"a":\r\n3;ext=1\r\n"b"\r\n1\r\n}\r\n0\r\n\r\n';
    const bytes = Buffer.from(text, 'latin1');
    expect(viaOurs(bytes).ok).toBe(false);
    expect(await viaNode(bytes)).toMatchObject({ ok: true, body: expect.stringMatching(/^5\r\n/) }); // llhttp takes the chunks as the body
  });
});

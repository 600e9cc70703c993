import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../stacks/bundle.js';
import { DeadlineTimer } from '../../../handlers/edge-auth/deadline.js';
import {
  closeIdleConnections,
  Http1Error,
  MAX_BODY_BYTES,
  MAX_HEAD_BYTES,
  parseAnswer,
  send,
  type Http1Answer,
} from '../../../handlers/edge-auth/http1.js';

const servers: Server[] = [];
afterEach(async () => {
  closeIdleConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<URL> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

/** A node:http server; counts the connections it accepted. */
async function httpServer(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen = {
    connections: 0,
    requests: [] as Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>,
  };
  const server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  server.on('connection', () => seen.connections++);
  return { url: await listen(server), seen, server };
}

/** A server that writes `bytes` (in the given pieces) for each request it reads, then does `after`. */
async function rawServer(pieces: Array<string | Buffer>, after: 'keep' | 'end' | 'destroy' = 'keep') {
  const seen = { connections: 0 };
  const server = createNetServer((socket: Socket) => {
    seen.connections++;
    let buffered = '';
    socket.on('data', async (chunk) => {
      buffered += chunk.toString('latin1');
      if (!buffered.includes('\r\n\r\n')) return;
      buffered = '';
      for (const piece of pieces) {
        socket.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (after === 'end') socket.end();
      if (after === 'destroy') socket.destroy();
    });
    socket.on('error', () => {});
  });
  return { url: await listen(server), seen };
}

const post = (url: URL, body = '{"SecretId":"s"}', headers: Record<string, string> = {}): Promise<Http1Answer> =>
  send(
    {
      url,
      method: 'POST',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      body,
    },
    new DeadlineTimer(2000),
  );

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('it answered'),
    (error: unknown) => error as Http1Error,
  );

describe('the edge HTTP/1.1 client against node:http', () => {
  it('sends the request as given and reads a Content-Length answer, on one kept-alive connection', async () => {
    const { url, seen } = await httpServer((_req, res, body) => {
      const text = JSON.stringify({ echo: body, note: 'héllo ✓' });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
    const first = await post(url, '{"SecretId":"é"}', { 'x-amz-target': 'secretsmanager.GetSecretValue' });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ echo: '{"SecretId":"é"}', note: 'héllo ✓' });
    expect(seen.requests[0]).toMatchObject({
      method: 'POST',
      url: '/',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
    });
    await post(url);
    await post(url);
    expect(seen.requests).toHaveLength(3);
    expect(seen.connections).toBe(1);
  });

  it('reads a chunked answer, and an error status is an answer, not a failure', async () => {
    const { url, seen } = await httpServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.write('{"__type":"ResourceNotFound');
      setTimeout(() => res.end('Exception"}'), 5);
    });
    expect(await post(url)).toEqual({ status: 400, text: '{"__type":"ResourceNotFoundException"}' });
    expect(await post(url)).toEqual({ status: 400, text: '{"__type":"ResourceNotFoundException"}' });
    expect(seen.connections).toBe(1);
  });

  it('opens a new connection after `connection: close`', async () => {
    const { url, seen } = await httpServer((_req, res) =>
      res.writeHead(200, { connection: 'close', 'content-length': 2 }).end('{}'),
    );
    await post(url);
    await post(url);
    expect(seen.connections).toBe(2);
  });

  it('retries once on a new connection when the kept one turns out closed (as after a frozen container)', async () => {
    // each connection answers one request; a second one on it is cut without an answer
    const answered = new WeakSet<Socket>();
    let connections = 0;
    const url = await listen(
      createNetServer((socket) => {
        connections++;
        socket.on('error', () => {});
        socket.on('data', () => {
          if (answered.has(socket)) return void socket.destroy();
          answered.add(socket);
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
        });
      }),
    );
    expect(await post(url)).toEqual({ status: 200, text: '{}' });
    expect(await post(url)).toEqual({ status: 200, text: '{}' });
    expect(connections).toBe(2);
  });

  it('does not retry a new connection that fails', async () => {
    let connections = 0;
    const url = await listen(
      createNetServer((socket) => {
        connections++;
        socket.on('data', () => socket.destroy());
      }),
    );
    expect((await errorOf(post(url))).code).toBe('ECONNRESET');
    expect(connections).toBe(1);
  });

  it('gives up at the deadline, with its TimeoutError', async () => {
    const { url } = await httpServer(() => {}); // never answers
    const started = Date.now();
    const error = await errorOf(
      send({ url, method: 'GET', headers: { host: url.host }, body: '' }, new DeadlineTimer(100)),
    );
    expect(error.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a header that would split the request, before sending anything', async () => {
    const { url, seen } = await httpServer((_req, res) => res.end());
    await expect(post(url, '{}', { 'x-amz-security-token': 'a\r\nx-injected: 1' })).rejects.toThrow(TypeError);
    expect(seen.connections).toBe(0);
  });
});

describe('the edge HTTP/1.1 client, failing to connect', () => {
  it('rejects, never throws, when it cannot connect', async () => {
    const pending = post(new URL('http://127.0.0.1:0/'));
    expect(pending).toBeInstanceOf(Promise);
    expect(await errorOf(pending)).toBeInstanceOf(Error);
    const free = await listen(createNetServer());
    servers.pop()!.close();
    expect((await errorOf(post(free))).code).toBe('ECONNREFUSED');
  });
});

describe('the edge HTTP/1.1 client against raw answers', () => {
  it('reads an answer written one byte at a time, a UTF-8 character split between writes', async () => {
    const answer = Buffer.from(
      `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength('{"a":"✓"}')}\r\n\r\n{"a":"✓"}`,
      'utf8',
    );
    const { url } = await rawServer([...answer].map((b) => Buffer.from([b])));
    expect(await post(url)).toEqual({ status: 200, text: '{"a":"✓"}' });
  });

  it('skips interim 1xx answers', async () => {
    const { url } = await rawServer([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}',
    ]);
    expect(await post(url)).toEqual({ status: 200, text: '{}' });
  });

  it('reads an answer framed by the close, and does not reuse that connection', async () => {
    const { url, seen } = await rawServer(['HTTP/1.0 200 OK\r\n\r\n{"whole":', 'true}'], 'end');
    expect(await post(url)).toEqual({ status: 200, text: '{"whole":true}' });
    expect(await post(url)).toEqual({ status: 200, text: '{"whole":true}' });
    expect(seen.connections).toBe(2);
  });

  it('fails on an answer cut short, with ECONNRESET', async () => {
    const { url } = await rawServer(['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"a"'], 'destroy');
    expect((await errorOf(post(url))).code).toBe('ECONNRESET');
  });

  it('fails on what is not HTTP/1.x', async () => {
    const { url } = await rawServer(['SSH-2.0-OpenSSH_9.2\r\n\r\n']);
    const error = await errorOf(post(url));
    expect(error).toBeInstanceOf(Http1Error);
    expect(error.code).toBe('EPROTO');
    expect(error.message).toMatch(/HTTP\/1\.x status line/);
  });
});

describe('the answer parser', () => {
  const parse = (text: string, closed = false) => parseAnswer(Buffer.from(text, 'latin1'), closed);
  const text = (answer: ReturnType<typeof parseAnswer>) =>
    answer && { status: answer.status, body: answer.body.toString('latin1'), reusable: answer.reusable };

  it('waits for the whole head and body', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n')).toBeUndefined();
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabc')).toBeUndefined();
    expect(text(parse('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd'))).toEqual({
      status: 200,
      body: 'abcd',
      reusable: true,
    });
  });

  it('reads chunks with extensions and trailers', () => {
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3;name=value\r\nabc\r\n0002\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n';
    expect(text(parse(chunked))).toEqual({ status: 200, body: 'abcde', reusable: true });
    expect(parse(chunked.slice(0, -2))).toBeUndefined();
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/chunk size/);
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n')).toThrow(
      /longer than its size/,
    );
  });

  it('refuses an answer with both a Content-Length and a Transfer-Encoding, as llhttp does (RFC 9112 §6.1: request smuggling)', () => {
    expect(() =>
      parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n'),
    ).toThrow(/both a Content-Length and a Transfer-Encoding/);
    expect(() =>
      parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n1\r\na\r\n0\r\n\r\n'),
    ).toThrow(Http1Error);
  });

  it('refuses control bytes in header values and whitespace around chunk sizes, as llhttp does', () => {
    for (const value of ['a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'a\x01b']) {
      expect(
        () => parse(`HTTP/1.1 200 OK\r\nX-A: ${value}\r\nContent-Length: 1\r\n\r\na`),
        JSON.stringify(value),
      ).toThrow(/control character/);
    }
    expect(text(parse('HTTP/1.1 200 OK\r\nX-A: a\tb \r\nContent-Length: 1\r\n\r\na'))).toEqual({
      status: 200,
      body: 'a',
      reusable: true,
    });
    for (const size of [' 1', '1 ', '1\t', '1 ;x']) {
      expect(
        () => parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\na\r\n0\r\n\r\n`),
        JSON.stringify(size),
      ).toThrow(/chunk size/);
    }
    expect(text(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=1\r\na\r\n0\r\n\r\n'))).toEqual({
      status: 200,
      body: 'a',
      reusable: true,
    });
  });

  it('refuses bytes past the answer; does not reuse a connection that said close, or is HTTP/1.0 without keep-alive', () => {
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1')).toThrow(/bytes nobody asked for/);
    expect(parse('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\na')!.reusable).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na')!.reusable).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na')!.reusable).toBe(true);
  });

  it('reads 204 and 304 without a body, and a body without framing to the close', () => {
    expect(text(parse('HTTP/1.1 204 No Content\r\n\r\n'))).toEqual({ status: 204, body: '', reusable: true });
    expect(parse('HTTP/1.1 200 OK\r\n\r\nabc')).toBeUndefined();
    expect(text(parse('HTTP/1.1 200 OK\r\n\r\nabc', true))).toEqual({ status: 200, body: 'abc', reusable: false });
  });

  it('refuses malformed heads: status line, folded or spaced headers, a Content-Length that is not one number, 101', () => {
    for (const head of [
      'HTTP/2 200 OK',
      'HTTP/1.1 20 OK',
      'HTTP/1.1 200 OK\r\n folded: value',
      'HTTP/1.1 200 OK\r\nname : value',
      'HTTP/1.1 200 OK\r\nContent-Length: -1',
      'HTTP/1.1 200 OK\r\nContent-Length: 1, 2',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1', // even an equal one: llhttp refuses it
      'HTTP/1.1 200 OK\r\nContent-Length: 1\t',
      'HTTP/1.1 101 Switching Protocols',
    ]) {
      expect(() => parse(`${head}\r\n\r\n`), head).toThrow(Http1Error);
    }
    expect(text(parse('HTTP/1.1 200 OK\r\nContent-Length:  1\r\n\r\na'))).toEqual({
      status: 200,
      body: 'a',
      reusable: true,
    });
  });

  it('quotes nothing it received in its errors: bytes out of step may be a secret', () => {
    const secret = '{"username":"admin","password":"Hunter2-secret"}';
    for (const answer of [
      `${secret}\r\n\r\n`,
      `HTTP/1.1 200 OK\r\n${secret}\r\n\r\n`,
      `HTTP/1.1 200 OK\r\nContent-Length: ${secret}\r\n\r\n`,
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${secret}\r\n`,
    ]) {
      let message = '';
      try {
        parse(answer);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, answer).not.toBe('');
      expect(message).not.toMatch(/Hunter2|admin|password/);
    }
  });

  it('bounds the head and the body, framed or not', () => {
    expect(() => parse(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(MAX_HEAD_BYTES)}`)).toThrow(/head is over/);
    expect(() => parse(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`)).toThrow(/body is over/);
    expect(() =>
      parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(MAX_BODY_BYTES + 1).toString(16)}\r\n`),
    ).toThrow(/body is over/);
    expect(() => parse(`HTTP/1.1 200 OK\r\n\r\n${'a'.repeat(MAX_BODY_BYTES + 1)}`)).toThrow(/body is over/);
    expect(() => parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(MAX_HEAD_BYTES)}`)).toThrow(
      /chunked framing/,
    );
  });
});

describe('the edge HTTP/1.1 client over TLS', () => {
  /** A TLS server for `localhost` with a certificate of its own making; records the SNI name and ALPN protocol asked for. */
  async function tlsServer() {
    const dir = await mkdtemp(join(tmpdir(), 'basicauth-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const seen = {
      servername: undefined as string | false | null | undefined,
      alpn: undefined as string | false | null | undefined,
    };
    const server = createTlsServer(
      {
        key: await readFile(join(dir, 'key.pem')),
        cert: await readFile(join(dir, 'cert.pem')),
        ALPNProtocols: ['http/1.1'],
      },
      (socket) => {
        seen.servername = socket.servername;
        seen.alpn = socket.alpnProtocol;
        socket.on('error', () => {});
        socket.once('data', () =>
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: 12\r\nconnection: close\r\n\r\n{"tls":true}'),
        );
      },
    );
    const url = await listen(server as unknown as Server);
    return { url: new URL(`https://localhost:${url.port}/`), dir, seen };
  }

  it('refuses a certificate it cannot verify', async () => {
    const { url, dir } = await tlsServer();
    try {
      const error = await errorOf(post(url));
      expect((error as unknown as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the answer from a server it trusts, asking for its name (SNI) and for http/1.1 (ALPN)', async () => {
    const { url, dir, seen } = await tlsServer();
    try {
      // trust comes from NODE_EXTRA_CA_CERTS, which Node reads at start: so in a process of its own
      const script = join(dir, 'client.mjs');
      const bundled = await build({
        stdin: {
          contents: `import { send } from './handlers/edge-auth/http1.ts';
const url = new URL(process.argv[2]);
const answer = await send({ url, method: 'POST', headers: { host: url.host, 'content-length': '2' }, body: '{}' }, { passed: false, onPass: () => () => {} });
process.stdout.write(JSON.stringify(answer));`,
          resolveDir: PACKAGE_ROOT,
          loader: 'ts',
        },
        bundle: true,
        write: false,
        platform: 'node',
        format: 'esm',
      });
      await writeFile(script, bundled.outputFiles[0]!.text);
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [script, url.href],
          { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } },
          (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
        ),
      );
      expect(JSON.parse(out)).toEqual({ status: 200, text: '{"tls":true}' });
      expect(seen).toEqual({ servername: 'localhost', alpn: 'http/1.1' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// A small HTTP/1.1 client for the edge's calls to Secrets Manager, over
// node:net or node:tls: one request at a time per connection, connections
// kept alive and reused (a TTL refresh then skips the TLS handshake).
//
// Why not node:http(s) or fetch: at a cold start, loading and first using
// their clients costs more than everything else the edge does on its first
// request (bench/RESULTS.md, section 1). The job is narrow: a POST of a small
// JSON body to an endpoint we name, a small JSON answer back.
//
// What it reads: answers framed by Content-Length, by the chunked transfer
// coding (extensions and trailers skipped), or by the connection closing;
// interim 1xx answers skipped. Anything else it does not understand is an
// error, never a guess: a malformed status line or header, a control byte
// (HTAB aside) in a header line, a Content-Length that is not one number or
// comes with a Transfer-Encoding, whitespace around a chunk size, bytes after
// the answer, a head over 16 KiB, a body over 1 MiB (a secret is at most
// 64 KiB). Such a connection is not reused. It refuses all that Node's own
// parser (llhttp, strict) refuses: test/unit/edge-auth/http1-differential.test.ts.
// Its errors quote nothing received: bytes out of step may be a secret's.
// test/unit/edge-auth/http1.test.ts runs it against node:http servers and
// against raw sockets that split, fold and break answers.

import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Deadline } from './deadline.js';

export interface Http1Request {
  url: URL;
  method: 'GET' | 'POST';
  /** sent as given (host and content-length included: the signer names them) */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface Http1Answer {
  status: number;
  text: string;
}

export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 1024 * 1024;
/** idle connections kept per origin */
const MAX_IDLE = 4;

export class Http1Error extends Error {
  override name = 'Http1Error';
  constructor(
    message: string,
    /** ECONNRESET when the peer closed before answering: a kept-alive connection's usual end */
    readonly code: 'EPROTO' | 'ECONNRESET' | 'E2BIG',
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------
// The answer's parser: a whole message from the bytes received so far.

export interface ParsedAnswer {
  status: number;
  body: Buffer;
  /** whether the connection may carry another request */
  reusable: boolean;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^[0-9A-Fa-f]{1,8}$/;
const TRANSFER_CODINGS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?: *, *[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;
// after the size: extensions `;name` or `;name=value` (a token or a quoted string), no whitespace
const CHUNK_EXTENSIONS =
  /^(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"[^"\\\x00-\x08\x0a-\x1f\x7f]*"))?)*$/;
// a trailer line: a header field
const FRAMING_TRAILER = /^(?:content-length|transfer-encoding):/i;
const TRAILER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;
// bytes no header line may hold once split on CRLF: a bare CR or LF, NUL, other controls (HTAB is whitespace)
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * The answer in `bytes`, or undefined while more bytes are needed. `closed`
 * says the peer has closed: an answer framed by the close ends there, and a
 * truncated one stays undefined. Throws Http1Error on what is not HTTP/1.x.
 */
export function parseAnswer(bytes: Buffer, closed: boolean): ParsedAnswer | undefined {
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf(HEAD_END, at);
    if (headEnd < 0 ? bytes.length - at > MAX_HEAD_BYTES : headEnd - at > MAX_HEAD_BYTES) {
      throw new Http1Error(`the answer's head is over ${MAX_HEAD_BYTES} bytes`, 'E2BIG');
    }
    if (headEnd < 0) return undefined;
    const lines = bytes.toString('latin1', at, headEnd).split('\r\n');
    const statusLine = STATUS_LINE.exec(lines[0]!);
    if (!statusLine) throw new Http1Error('the answer does not start with an HTTP/1.x status line', 'EPROTO');
    const status = Number(statusLine[2]);
    let length: number | undefined;
    let transferEncoding: string | undefined;
    let reusable = statusLine[1] === '1';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
      // obsolete line folding and whitespace before the colon are refused (RFC 9112 §5.1, §5.2)
      if (!TOKEN.test(name)) throw new Http1Error(`the answer's header line ${i} is malformed`, 'EPROTO');
      if (CONTROL.test(line)) throw new Http1Error(`the answer's header line ${i} holds a control character`, 'EPROTO');
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      if (name === 'content-length') {
        // a repeated Content-Length, even an equal one, is refused (llhttp does)
        if (!/^[ \t]*\d{1,15}$/.test(line.slice(colon + 1)) || length !== undefined) {
          throw new Http1Error("the answer's Content-Length is not one number", 'EPROTO');
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        // a list of codings; a tab in it is read differently by different parsers (llhttp: "chunked\t" is not chunked)
        if (line.includes('\t', colon) || !TRANSFER_CODINGS.test(value))
          throw new Http1Error("the answer's Transfer-Encoding is malformed", 'EPROTO');
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      } else if (name === 'connection') {
        const tokens = value
          .toLowerCase()
          .split(',')
          .map((t) => t.trim());
        if (tokens.includes('close')) reusable = false;
        else if (tokens.includes('keep-alive')) reusable = reusable || statusLine[1] === '0';
      }
    }
    at = headEnd + HEAD_END.length;
    if (status < 200) {
      if (status === 101) throw new Http1Error('the answer switched protocols, which was not asked for', 'EPROTO');
      // an interim answer that ends the connection (HTTP/1.0, or Connection: close) has nothing after it
      if (!reusable) throw new Http1Error('an interim answer closed the connection', 'EPROTO');
      continue; // interim: the answer follows
    }
    if (status === 204 || status === 304) return finished(status, Buffer.alloc(0), reusable, bytes, at);
    if (transferEncoding !== undefined) {
      // RFC 9112 §6.1: a sender must not send both; a recipient may treat it as an error (llhttp does; request smuggling)
      if (length !== undefined)
        throw new Http1Error('the answer has both a Content-Length and a Transfer-Encoding', 'EPROTO');
      // RFC 9112 §6.3: chunked last frames the body; anything else reads to the close
      if (transferEncoding.toLowerCase().split(',').pop()!.trim() === 'chunked') {
        const chunks = dechunk(bytes, at);
        return chunks && finished(status, chunks.body, reusable, bytes, chunks.end);
      }
      return untilClose(status, bytes, at, closed);
    }
    if (length !== undefined) {
      if (length > MAX_BODY_BYTES) throw new Http1Error(`the answer's body is over ${MAX_BODY_BYTES} bytes`, 'E2BIG');
      if (bytes.length - at < length) return undefined;
      return finished(status, bytes.subarray(at, at + length), reusable, bytes, at + length);
    }
    return untilClose(status, bytes, at, closed);
  }
}

function finished(status: number, body: Buffer, reusable: boolean, bytes: Buffer, end: number): ParsedAnswer {
  // bytes past the answer were never asked for: the peer is out of step, and what it framed cannot be trusted (llhttp refuses them too)
  if (end !== bytes.length) throw new Http1Error('the answer is followed by bytes nobody asked for', 'EPROTO');
  return { status, body, reusable };
}

function untilClose(status: number, bytes: Buffer, at: number, closed: boolean): ParsedAnswer | undefined {
  if (bytes.length - at > MAX_BODY_BYTES)
    throw new Http1Error(`the answer's body is over ${MAX_BODY_BYTES} bytes`, 'E2BIG');
  return closed ? { status, body: bytes.subarray(at), reusable: false } : undefined;
}

function dechunk(bytes: Buffer, at: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return lineTooLong(bytes.length - at);
    lineTooLong(eol - at);
    // the size, then extensions (skipped); no whitespace around the size
    const line = bytes.toString('latin1', at, eol);
    const semicolon = line.indexOf(';');
    const sizeText = semicolon < 0 ? line : line.slice(0, semicolon);
    if (!CHUNK_SIZE.test(sizeText)) throw new Http1Error('a malformed chunk size in the answer', 'EPROTO');
    if (semicolon >= 0 && !CHUNK_EXTENSIONS.test(line.slice(semicolon)))
      throw new Http1Error('a malformed chunk extension in the answer', 'EPROTO');
    const n = Number.parseInt(sizeText, 16);
    if (n === 0) {
      // trailers, then an empty line
      for (let next = eol + 2; ; ) {
        const end = bytes.indexOf('\r\n', next, 'latin1');
        if (end < 0) return lineTooLong(bytes.length - next);
        if (end === next) return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), end: end + 2 };
        lineTooLong(end - next);
        const trailer = bytes.toString('latin1', next, end);
        // framing fields may not come after the body they frame
        if (!TRAILER.test(trailer) || FRAMING_TRAILER.test(trailer))
          throw new Http1Error('a malformed trailer in the answer', 'EPROTO');
        next = end + 2;
      }
    }
    size += n;
    if (size > MAX_BODY_BYTES) throw new Http1Error(`the answer's body is over ${MAX_BODY_BYTES} bytes`, 'E2BIG');
    const dataEnd = eol + 2 + n;
    if (bytes.length < dataEnd + 2) return undefined;
    if (bytes[dataEnd] !== 0x0d || bytes[dataEnd + 1] !== 0x0a)
      throw new Http1Error('a chunk of the answer is longer than its size says', 'EPROTO');
    parts.push(bytes.subarray(eol + 2, dataEnd));
    at = dataEnd + 2;
  }
}

function lineTooLong(length: number): undefined {
  if (length > MAX_HEAD_BYTES)
    throw new Http1Error(`a line of the answer's chunked framing is over ${MAX_HEAD_BYTES} bytes`, 'E2BIG');
  return undefined;
}

// ---------------------------------------------------------------------------
// Connections: opened per origin, kept while idle, one exchange at a time.

interface Exchange {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
  close(): void;
}

interface Connection {
  readonly socket: net.Socket;
  readonly origin: string;
  exchange: Exchange | undefined;
  used: boolean;
}

const idle = new Map<string, Connection[]>();

// getBuiltinModule (Node >= 20.16; Lambda's nodejs22.x has it) hands over a loaded module without
// building its ESM facade, which a static import of node:net costs a cold start (~0.5 ms).
function builtin<T>(name: string): T {
  if (typeof process.getBuiltinModule !== 'function') {
    throw new Error(
      `the edge handler needs Node.js 20.16 or newer (process.getBuiltinModule); this is ${process.version}: upgrade Node.js`,
    );
  }
  return process.getBuiltinModule(name) as T;
}

function open(url: URL): Connection {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const socket =
    url.protocol === 'https:'
      ? builtin<typeof tls>('node:tls').connect({
          host,
          port: Number(url.port || 443),
          ...(builtin<typeof net>('node:net').isIP(host) ? {} : { servername: host }),
          ALPNProtocols: ['http/1.1'],
        })
      : builtin<typeof net>('node:net').connect({ host, port: Number(url.port || 80) });
  socket.setNoDelay(true);
  const connection: Connection = { socket, origin: url.origin, exchange: undefined, used: false };
  socket.on('data', (chunk: Buffer) => (connection.exchange ? connection.exchange.data(chunk) : socket.destroy()));
  socket.on('end', () => connection.exchange?.end());
  // an idle connection's error only ends it ('close' follows)
  socket.on('error', (error: Error) => connection.exchange?.error(error));
  socket.on('close', () => {
    forget(connection);
    connection.exchange?.close();
  });
  return connection;
}

function take(url: URL): Connection {
  const list = idle.get(url.origin);
  let kept = list?.pop();
  while (kept?.socket.destroyed) kept = list!.pop();
  if (kept) {
    kept.socket.ref();
    return kept;
  }
  return open(url);
}

function keep(connection: Connection): void {
  const list = idle.get(connection.origin) ?? [];
  if (list.length >= MAX_IDLE) {
    connection.socket.destroy();
    return;
  }
  // an idle connection keeps no process alive (a test's, or dev's at exit)
  connection.socket.unref();
  list.push(connection);
  idle.set(connection.origin, list);
}

function forget(connection: Connection): void {
  const list = idle.get(connection.origin);
  const at = list ? list.indexOf(connection) : -1;
  if (at >= 0) list!.splice(at, 1);
}

/** Ends every idle connection (tests; a process that is about to exit need not). */
export function closeIdleConnections(): void {
  for (const list of idle.values()) for (const connection of [...list]) connection.socket.destroy();
  idle.clear();
}

const UNSAFE_HEADER = /[\r\n\0]/;

function requestHead(request: Http1Request): string {
  let head = `${request.method} ${request.url.pathname || '/'}${request.url.search} HTTP/1.1\r\n`;
  for (const name in request.headers) {
    const value = request.headers[name]!;
    if (!TOKEN.test(name) || UNSAFE_HEADER.test(value))
      throw new TypeError(`header ${JSON.stringify(name)} cannot be sent as it is`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * Sends `request` and reads its answer within `deadline`. A kept-alive
 * connection the peer had closed meanwhile (say while the container was
 * frozen) is retried once on a new one, as node:http's documentation advises.
 */
export function send(request: Http1Request, deadline: Deadline): Promise<Http1Answer> {
  let message: string;
  try {
    message = requestHead(request) + request.body;
  } catch (error) {
    return Promise.reject(error);
  }
  const attempt = (retried: boolean): Promise<Http1Answer> => {
    let connection: Connection;
    try {
      connection = take(request.url); // net.connect throws on a port out of range
    } catch (error) {
      return Promise.reject(error);
    }
    return exchange(connection, message, deadline).catch((error: unknown) => {
      if (!retried && !deadline.passed && error instanceof Retryable) return attempt(true);
      throw error instanceof Retryable ? error.cause : error;
    });
  };
  return attempt(false);
}

/** A reused connection failed before any byte of the answer: the peer had closed it. */
class Retryable extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

function exchange(connection: Connection, message: string, deadline: Deadline): Promise<Http1Answer> {
  const { socket } = connection;
  const reused = connection.used;
  connection.used = true;
  return new Promise((resolve, reject) => {
    let received: Buffer | undefined;
    let settled = false;
    let stopWatching = (): void => {};
    const settle = (error: Error | undefined, parsed?: ParsedAnswer): void => {
      if (settled) return;
      settled = true;
      stopWatching();
      connection.exchange = undefined;
      if (error) {
        socket.destroy();
        reject(reused && received === undefined && isReset(error) ? new Retryable(error) : error);
        return;
      }
      if (parsed!.reusable) keep(connection);
      else socket.destroy();
      resolve({ status: parsed!.status, text: parsed!.body.toString('utf8') });
    };
    const read = (closed: boolean): void => {
      let parsed: ParsedAnswer | undefined;
      try {
        parsed = parseAnswer(received ?? Buffer.alloc(0), closed);
      } catch (error) {
        settle(error as Error);
        return;
      }
      if (parsed) settle(undefined, parsed);
      else if (closed) settle(new Http1Error('the connection closed before the answer was complete', 'ECONNRESET'));
    };
    connection.exchange = {
      data: (chunk) => {
        received = received ? Buffer.concat([received, chunk]) : chunk;
        read(false);
      },
      end: () => read(true),
      error: (error) => settle(error),
      close: () => read(true),
    };
    stopWatching = deadline.onPass((reason) => settle(reason));
    if (!settled) socket.write(message);
  });
}

function isReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

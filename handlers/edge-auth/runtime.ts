// Wiring for a deployed bundle: the baked config, the process environment,
// structured logs on stdout (CloudWatch), one EdgeAuth per container.

import type { EdgeAuthConfig } from './config.js';
import { createEdgeAuth, type EdgeLogEvent } from './edge-auth.js';
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from './cloudfront.js';
import type { SecretSource } from './secret-cache.js';
import type { Env } from './secrets-endpoint.js';

declare const __BASICAUTH_EDGE_CONFIG__: unknown;

export type SecretsClientFactory = (config: EdgeAuthConfig, env: Env) => SecretSource;

function bakedConfig(): EdgeAuthConfig {
  if (typeof __BASICAUTH_EDGE_CONFIG__ === 'undefined') {
    throw new Error('edge-auth: no configuration was baked into this bundle; build it with `basicauth build`');
  }
  // Resolved and validated by the bundler (stacks/bundle.ts): checking it again
  // here would put the validator's code into every cold start.
  return __BASICAUTH_EDGE_CONFIG__ as EdgeAuthConfig;
}

// Info lines (a decision per request among them) wait until the answer is on
// its way, and are only then turned into JSON: the first console.log of a
// process sets up its stdout stream, and no request should wait on a log
// line. On Lambda, a line still waiting when the environment is frozen is
// written when it thaws, or lost with it: only info lines take that chance.
// Warnings go at once.
let pending: EdgeLogEvent[] = [];
function flush(): void {
  const events = pending;
  pending = [];
  for (const event of events) console.log(formatLogLine(event));
}

const isWarning = (event: EdgeLogEvent) =>
  event.event !== 'decision' &&
  (event.event.endsWith('failed') ||
    event.event.endsWith('unusable') ||
    event.event === 'request.error' ||
    event.event === 'secret.expired');

/** A JSON string literal; the common case (printable ASCII, no quote or backslash) without JSON.stringify's call. */
const quoted = (text: string) => (/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(text) ? `"${text}"` : JSON.stringify(text));

/** One line of the edge's log, as handlers/shared/log-line.ts documents it. */
export function formatLogLine(event: EdgeLogEvent): string {
  // one a request: written out by hand, the JSON JSON.stringify would give, at a fraction of its cost
  if (event.event === 'decision') {
    let line = `{"level":"info","source":"basicauth-edge","event":"decision"`;
    if (event.time !== undefined) line += `,"time":${event.time}`;
    line += `,"outcome":"${event.outcome}","reason":"${event.reason}"`;
    if (event.status !== undefined) line += `,"status":${event.status}`;
    if (event.user !== undefined) line += `,"user":${quoted(event.user)}`;
    if (event.token !== undefined) line += `,"token":${quoted(event.token)}`;
    if (typeof event.ip === 'string') line += `,"ip":${quoted(event.ip)}`;
    if (typeof event.method === 'string') line += `,"method":${quoted(event.method)}`;
    if (typeof event.path === 'string') line += `,"path":${quoted(event.path)}`;
    return `${line}}`;
  }
  return JSON.stringify({ level: isWarning(event) ? 'warn' : 'info', source: 'basicauth-edge', ...event });
}

function logLine(event: EdgeLogEvent): void {
  if (isWarning(event)) {
    flush();
    console.log(formatLogLine(event));
    return;
  }
  if (pending.push(event) === 1) setImmediate(flush);
}

export function createRuntimeHandler(makeClient: SecretsClientFactory) {
  const config = bakedConfig();
  const edge = createEdgeAuth(config, { ...makeClient(config, process.env), log: logLine });
  // Init runs before the first event is handed over: the secret's round trip overlaps that.
  edge.prefetch();
  return (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => edge.handle(event);
}

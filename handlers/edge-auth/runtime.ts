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

// Info lines wait until the answer is on its way: the first console.log of a
// process sets up its stdout stream (~2 ms on the first request's path here;
// Lambda's patched console is cheaper but still not free). On Lambda, a line
// still waiting when the environment is frozen is written when it thaws, or
// lost with it: only info lines take that chance. Warnings go at once.
let pending: string[] = [];
function flush(): void {
  const lines = pending;
  pending = [];
  for (const line of lines) console.log(line);
}

function logLine(event: EdgeLogEvent): void {
  const warn =
    event.event.endsWith('failed') ||
    event.event.endsWith('unusable') ||
    event.event === 'request.error' ||
    event.event === 'secret.expired';
  const line = JSON.stringify({ level: warn ? 'warn' : 'info', source: 'basicauth-edge', ...event });
  if (warn) {
    flush();
    console.log(line);
    return;
  }
  if (pending.push(line) === 1) setImmediate(flush);
}

export function createRuntimeHandler(makeClient: SecretsClientFactory) {
  const config = bakedConfig();
  const edge = createEdgeAuth(config, { ...makeClient(config, process.env), log: logLine });
  // Init runs before the first event is handed over: the secret's round trip overlaps that.
  edge.prefetch();
  return (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => edge.handle(event);
}

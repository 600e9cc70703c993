// Wiring for a deployed bundle: the baked config, the process environment,
// structured logs on stdout (CloudWatch), one EdgeAuth per container.

import { resolveEdgeAuthConfig, type EdgeAuthConfig } from './config.js';
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
  return resolveEdgeAuthConfig(__BASICAUTH_EDGE_CONFIG__);
}

function logLine(event: EdgeLogEvent): void {
  const level = event.event.endsWith('failed') || event.event.endsWith('unusable') || event.event === 'request.error' || event.event === 'secret.expired' ? 'warn' : 'info';
  console.log(JSON.stringify({ level, source: 'basicauth-edge', ...event }));
}

export function createRuntimeHandler(makeClient: SecretsClientFactory) {
  const config = bakedConfig();
  const edge = createEdgeAuth(config, { ...makeClient(config, process.env), log: logLine });
  // Init runs before the first event is handed over: the secret's round trip overlaps that.
  edge.prefetch();
  return (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => edge.handle(event);
}

// GetSecretValue and DescribeSecret signed by our SigV4 (handlers/shared/sigv4.ts)
// and sent by our HTTP/1.1 client over node:net or node:tls (./http1.ts): a
// few KB of code, no node:http and no undici, the cheapest cold start of the
// clients measured in bench/edge-cold-start.ts. At the edge that matters: a
// quiet dev site cold-starts often.

import type { EdgeAuthConfig } from './config.js';
import type { Deadline } from './deadline.js';
import type { SecretSource } from './secret-cache.js';
import { send } from './http1.js';
import {
  credentialsFrom,
  parseGetSecretValue,
  parseLastRotated,
  regionalSource,
  secretsManagerEndpoint,
  type Env,
} from './secrets-endpoint.js';
import { signJsonPost } from '../shared/sigv4.js';

export function createSecretsClient(config: EdgeAuthConfig, env: Env): SecretSource {
  const call = async (
    region: string,
    operation: 'GetSecretValue' | 'DescribeSecret',
    payload: Record<string, string>,
    deadline: Deadline,
  ) => {
    const url = new URL(secretsManagerEndpoint(region, env));
    const body = JSON.stringify(payload);
    const headers = signJsonPost(
      { url, region, service: 'secretsmanager', target: `secretsmanager.${operation}`, body },
      credentialsFrom(env),
    );
    return send({ url, method: 'POST', headers, body }, deadline);
  };
  return regionalSource(config, env, {
    get: async (region, secretId, stage, deadline) => {
      const answer = await call(region, 'GetSecretValue', { SecretId: secretId, VersionStage: stage }, deadline);
      return parseGetSecretValue(region, answer.status, answer.text);
    },
    lastRotated: async (region, secretId, deadline) => {
      const answer = await call(region, 'DescribeSecret', { SecretId: secretId }, deadline);
      return parseLastRotated(region, answer.status, answer.text);
    },
  });
}

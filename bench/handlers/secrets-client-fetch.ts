// GetSecretValue over fetch, signed by aws4fetch. Not shipped: on Node the
// first fetch() loads undici (~25 ms), more than the whole SigV4 + own HTTP/1.1
// client costs. Kept as a measured alternative (bench/edge-cold-start.ts).

import { AwsClient } from 'aws4fetch';
import type { EdgeAuthConfig } from '../../handlers/edge-auth/config.js';
import {
  credentialsFrom,
  parseGetSecretValue,
  regionalSource,
  secretsManagerEndpoint,
  type Env,
} from '../../handlers/edge-auth/secrets-endpoint.js';
import type { SecretSource } from '../../handlers/edge-auth/secret-cache.js';
import { abortSignalOf } from '../../handlers/edge-auth/deadline.js';

/** Reads versions only: with a grace period, it runs from the current version's creation. */
export function createAws4FetchSecretsClient(config: EdgeAuthConfig, env: Env): SecretSource {
  const clients = new Map<string, AwsClient>();
  const clientFor = (region: string): AwsClient => {
    let client = clients.get(region);
    if (!client) {
      const { accessKeyId, secretAccessKey, sessionToken } = credentialsFrom(env);
      client = new AwsClient({
        accessKeyId,
        secretAccessKey,
        sessionToken,
        service: 'secretsmanager',
        region,
        retries: 0,
      });
      clients.set(region, client);
    }
    return client;
  };

  return regionalSource(config, env, {
    get: async (region, secretId, stage, deadline) => {
      const response = await clientFor(region).fetch(secretsManagerEndpoint(region, env), {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
        body: JSON.stringify({ SecretId: secretId, VersionStage: stage }),
        signal: abortSignalOf(deadline),
      });
      return parseGetSecretValue(region, response.status, await response.text());
    },
  });
}

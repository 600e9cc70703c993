// The same read through the AWS SDK v3 client, which the nodejs22.x runtime
// ships. Kept as the measured alternative to secrets-client.ts (see
// bench/edge-cold-start.ts) and exercised by the same tests.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EdgeAuthConfig } from '../../handlers/edge-auth/config.js';
import { regionalSource, secretsManagerEndpoint, type Env } from '../../handlers/edge-auth/secrets-endpoint.js';
import type { SecretSource } from '../../handlers/edge-auth/secret-cache.js';
import { abortSignalOf } from '../../handlers/edge-auth/deadline.js';

/** Reads versions only: with a grace period, it runs from the current version's creation. */
export function createSdkSecretsClient(config: EdgeAuthConfig, env: Env): SecretSource {
  const clients = new Map<string, SecretsManagerClient>();
  const clientFor = (region: string): SecretsManagerClient => {
    let client = clients.get(region);
    if (!client) {
      client = new SecretsManagerClient({ region, endpoint: secretsManagerEndpoint(region, env), maxAttempts: 1 });
      clients.set(region, client);
    }
    return client;
  };

  return regionalSource(config, env, {
    get: async (region, secretId, stage, deadline) => {
      const out = await clientFor(region).send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }), {
        abortSignal: abortSignalOf(deadline),
      });
      const secretString =
        out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (!out.VersionId || secretString === undefined)
        throw new Error('GetSecretValue answered without VersionId or value');
      return { versionId: out.VersionId, secretString, createdDate: out.CreatedDate?.getTime() ?? 0 };
    },
  });
}

// GetSecretValue over fetch with a SigV4 signature (aws4fetch): a few KB of
// code instead of the SDK client, which matters at the edge where a quiet
// site cold-starts often (bench/edge-cold-start.ts has the figures).

import { AwsClient } from 'aws4fetch';
import type { EdgeAuthConfig } from './config.js';
import { regionalFetcher, secretsManagerEndpoint, SecretsFetchError, type Env } from './secrets-endpoint.js';
import type { FetchSecretVersion } from './secret-cache.js';

interface GetSecretValueResponse {
  VersionId?: string;
  SecretString?: string;
  SecretBinary?: string;
  CreatedDate?: number;
}

export function createFetchSecretsClient(config: EdgeAuthConfig, env: Env): FetchSecretVersion {
  const clients = new Map<string, AwsClient>();
  const clientFor = (region: string): AwsClient => {
    let client = clients.get(region);
    if (!client) {
      // Lambda puts the function role's credentials in these reserved variables.
      const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
      if (!accessKeyId || !secretAccessKey) {
        throw new SecretsFetchError('no AWS credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)', 'CredentialsMissing');
      }
      client = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: 'secretsmanager', region, retries: 0 });
      clients.set(region, client);
    }
    return client;
  };

  return regionalFetcher(config, env, async (region, secretId, stage, signal) => {
    const response = await clientFor(region).fetch(secretsManagerEndpoint(region, env), {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: secretId, VersionStage: stage }),
      signal,
    });
    const text = await response.text();
    let body: GetSecretValueResponse & { __type?: string; message?: string; Message?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new SecretsFetchError(`Secrets Manager in ${region} answered HTTP ${response.status} without JSON`, `Http${response.status}`);
    }
    if (!response.ok) {
      const code = (body.__type ?? `Http${response.status}`).split('#').pop() as string;
      throw new SecretsFetchError(`Secrets Manager in ${region} answered ${code}`, code);
    }
    const secretString =
      body.SecretString ?? (body.SecretBinary ? Buffer.from(body.SecretBinary, 'base64').toString('utf8') : undefined);
    if (typeof body.VersionId !== 'string' || secretString === undefined) {
      throw new SecretsFetchError(`Secrets Manager in ${region} answered without VersionId or value`, 'MalformedResponse');
    }
    return { versionId: body.VersionId, secretString, createdDate: Math.round((body.CreatedDate ?? 0) * 1000) };
  });
}

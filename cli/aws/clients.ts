// The AWS SDK clients commands use, created on first use (the SDK is heavy:
// `basicauth --help` must not load it). One place decides the endpoint,
// region and credentials: the local cloud, AWS_ENDPOINT_URL, or real AWS.

import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentials } from '../../handlers/shared/sigv4.js';
import { CliError } from '../core/errors.js';
import { LOCAL_SIGNING } from '../local/credentials.js';
import { lightSecretReads, sdkSecretReads, type SecretReads } from './secret-reads.js';
import type { StatusReads } from './status-reads.js';
import type { LogsApi } from './logs.js';

export interface AwsTarget {
  region: string;
  /** the local cloud's endpoint; otherwise the SDK's own resolution (AWS_ENDPOINT_URL…) */
  endpoint?: string;
  /** with the local cloud: a role's temporary credentials instead of the account's own (BASICAUTH_LOCAL_ROLE) */
  credentials?: AwsCredentials;
  profile?: string;
}

export interface AwsClients {
  secretsManager(): Promise<SecretsManagerClient>;
  lambda(region?: string): Promise<LambdaClient>;
  cloudfront(): Promise<CloudFrontClient>;
  /** the KeyValueStore data plane (SigV4A), for the CloudFront Functions engine */
  keyValueStore(): Promise<CloudFrontKeyValueStoreClient>;
  /** the secret reads of show-creds: without the SDK against the local cloud */
  secretReads(): SecretReads;
  /** the reads of status: likewise */
  statusReads(): Promise<StatusReads>;
  /** CloudWatch Logs in every region (the edge logs where it ran): light against the local cloud */
  logs(): Promise<LogsApi>;
}

export function createAwsClients(target: AwsTarget): AwsClients {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const base = () => ({
    ...(target.endpoint ? { endpoint: target.endpoint, credentials: target.credentials ?? LOCAL_SIGNING } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  });
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as Promise<T>;
  };
  return {
    secretsManager: () =>
      once(
        'sm',
        async () =>
          new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({
            region: target.region,
            ...base(),
          }),
      ),
    // Lambda@Edge functions live in us-east-1 whatever the home region is.
    lambda: (region = 'us-east-1') =>
      once(
        `lambda:${region}`,
        async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({ region, ...base() }),
      ),
    secretReads() {
      if (!target.endpoint) return sdkSecretReads(this.secretsManager);
      return lightSecretReads({
        endpoint: target.endpoint,
        region: target.region,
        credentials: target.credentials ?? LOCAL_SIGNING,
      });
    },
    async statusReads() {
      const { lightStatusReads, sdkStatusReads } = await import('./status-reads.js');
      if (target.endpoint)
        return lightStatusReads({
          endpoint: target.endpoint,
          region: target.region,
          credentials: target.credentials ?? LOCAL_SIGNING,
        });
      return sdkStatusReads({
        sm: () => this.secretsManager(),
        lambda: () => this.lambda(),
        cf: () => this.cloudfront(),
      });
    },
    async logs() {
      const { lightLogs, sdkLogs } = await import('./logs.js');
      if (target.endpoint)
        return lightLogs({ endpoint: target.endpoint, credentials: target.credentials ?? LOCAL_SIGNING });
      return sdkLogs((region) =>
        once(
          `logs:${region}`,
          async () => new (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient({ region, ...base() }),
        ),
      );
    },
    cloudfront: () =>
      once(
        'cf',
        async () =>
          new (await import('@aws-sdk/client-cloudfront')).CloudFrontClient({ region: 'us-east-1', ...base() }),
      ),
    keyValueStore: () =>
      once('kvs', async () =>
        (await import('../../handlers/shared/kvs-client.js')).createKvsClient({ region: 'us-east-1', ...base() }),
      ),
  };
}

/**
 * The temporary credentials of a role in the local cloud (BASICAUTH_LOCAL_ROLE: a
 * name or an ARN), from its STS AssumeRole signed with the account's own keys:
 * with `dev --enforce-iam`, commands then run with exactly that role's permissions.
 */
export async function localRoleCredentials(
  endpoint: string,
  region: string,
  role: string,
  account: string,
): Promise<AwsCredentials> {
  const [{ signGet }, { localRequest }] = await Promise.all([
    import('../../handlers/shared/sigv4.js'),
    import('../local/light-http.js'),
  ]);
  const roleArn = role.startsWith('arn:') ? role : `arn:aws:iam::${account}:role/${role}`;
  const url = new URL(
    `${endpoint}/?${new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'basicauth-cli' })}`,
  );
  const answer = await localRequest(url.href, { headers: signGet({ url, region, service: 'sts' }, LOCAL_SIGNING) });
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.body)?.[1];
  const [accessKeyId, secretAccessKey, sessionToken] = [
    field('AccessKeyId'),
    field('SecretAccessKey'),
    field('SessionToken'),
  ];
  if (answer.status !== 200 || !accessKeyId || !secretAccessKey || !sessionToken) {
    throw new CliError(
      `BASICAUTH_LOCAL_ROLE ${role}: the local cloud refused to assume ${roleArn}: ${field('Message') ?? `HTTP ${answer.status}`}`,
      {
        hint: 'name a role of the local cloud whose trust policy allows the account (Principal {"AWS": "arn:aws:iam::<account>:root"}), or unset BASICAUTH_LOCAL_ROLE',
      },
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}

// The two Secrets Manager reads that `show-creds` (and what onboarding needs)
// makes, behind one interface: through the AWS SDK against AWS, and through a
// light JSON 1.1 client against the local cloud, where the credentials are
// fixed and the SDK's credential chain and undici (~150 ms of a run) buy
// nothing. The light client is the edge's (handlers/shared/sigv4.ts), which
// test/unit/shared/sigv4.test.ts checks against the SDK's signer.

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretVersionRead {
  versionId: string | undefined;
  secretString: string | undefined;
  createdDate: Date | undefined;
}

export interface SecretDescription {
  arn: string | undefined;
  rotationEnabled: boolean;
  nextRotationDate: Date | undefined;
}

export interface SecretReads {
  getSecretValue(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<SecretVersionRead>;
  describeSecret(secretId: string): Promise<SecretDescription>;
}

export function sdkSecretReads(client: () => Promise<SecretsManagerClient>): SecretReads {
  const sdk = () => import('@aws-sdk/client-secrets-manager');
  return {
    async getSecretValue(secretId, stage) {
      const [{ GetSecretValueCommand }, sm] = await Promise.all([sdk(), client()]);
      const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return {
        versionId: out.VersionId,
        secretString:
          out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined),
        createdDate: out.CreatedDate,
      };
    },
    async describeSecret(secretId) {
      const [{ DescribeSecretCommand }, sm] = await Promise.all([sdk(), client()]);
      const out = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { arn: out.ARN, rotationEnabled: out.RotationEnabled === true, nextRotationDate: out.NextRotationDate };
    },
  };
}

/** An AWS error as the SDK shapes it (name = the error code, $metadata), so that one error path serves both clients. */
export class AwsJsonError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

const date = (epochSeconds: unknown): Date | undefined =>
  typeof epochSeconds === 'number' ? new Date(epochSeconds * 1000) : undefined;

export interface LightTarget {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** One Secrets Manager JSON 1.1 call against the local cloud; AWS's errors come back shaped as the SDK shapes them. */
export function lightJsonCall(
  options: LightTarget,
  operation: 'GetSecretValue' | 'DescribeSecret' | 'ListSecretVersionIds',
  payload: Record<string, string>,
): Promise<Record<string, unknown>> {
  return lightServiceCall(
    options,
    { service: 'secretsmanager', target: `secretsmanager.${operation}`, name: 'Secrets Manager' },
    payload,
  );
}

/** One AWS JSON 1.1 call against the local cloud (X-Amz-Target `target`, signed for `service`). */
export async function lightServiceCall(
  options: LightTarget,
  call: { service: string; target: string; name: string },
  payload: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const [{ signJsonPost }, { localRequest }] = await Promise.all([
    import('../../handlers/shared/sigv4.js'),
    import('../local/light-http.js'),
  ]);
  const url = new URL(options.endpoint);
  const body = JSON.stringify(payload);
  const headers = signJsonPost(
    { url, region: options.region, service: call.service, target: call.target, body },
    options.credentials,
  );
  const answer = await localRequest(url.href, { method: 'POST', headers, body, timeoutMs: 10_000 });
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new AwsJsonError(
      'InternalFailure',
      `${call.name} at ${options.endpoint} answered HTTP ${answer.status} without JSON`,
      answer.status,
    );
  }
  if (answer.status < 200 || answer.status >= 300) {
    const code = String(parsed.__type ?? `Http${answer.status}`)
      .split('#')
      .pop()!;
    throw new AwsJsonError(code, String(parsed.message ?? parsed.Message ?? code), answer.status);
  }
  return parsed;
}

export function lightSecretReads(options: LightTarget): SecretReads {
  const call = (operation: 'GetSecretValue' | 'DescribeSecret', payload: Record<string, string>) =>
    lightJsonCall(options, operation, payload);
  return {
    async getSecretValue(secretId, stage) {
      const out = await call('GetSecretValue', { SecretId: secretId, VersionStage: stage });
      return {
        versionId: typeof out.VersionId === 'string' ? out.VersionId : undefined,
        secretString:
          typeof out.SecretString === 'string'
            ? out.SecretString
            : typeof out.SecretBinary === 'string'
              ? Buffer.from(out.SecretBinary, 'base64').toString('utf8')
              : undefined,
        createdDate: date(out.CreatedDate),
      };
    },
    async describeSecret(secretId) {
      const out = await call('DescribeSecret', { SecretId: secretId });
      return {
        arn: typeof out.ARN === 'string' ? out.ARN : undefined,
        rotationEnabled: out.RotationEnabled === true,
        nextRotationDate: date(out.NextRotationDate),
      };
    },
  };
}

// The reads `status` makes, behind one interface: through the AWS SDK against
// AWS, and through light clients against the local cloud (JSON 1.1 for
// Secrets Manager, REST-JSON for Lambda, REST-XML for CloudFront, signed by
// handlers/shared/sigv4.ts over node:http), where the SDK's three clients
// would be most of the run. test/e2e/dev.test.ts checks that both paths say
// the same thing about the same site.

import type { CloudFrontClient, DistributionConfig } from '@aws-sdk/client-cloudfront';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsJsonError, lightJsonCall, type LightTarget } from './secret-reads.js';

export interface SecretDetails {
  ARN?: string | undefined;
  Name?: string | undefined;
  RotationEnabled?: boolean | undefined;
  RotationRules?:
    | {
        AutomaticallyAfterDays?: number | undefined;
        ScheduleExpression?: string | undefined;
        Duration?: string | undefined;
      }
    | undefined;
  RotationLambdaARN?: string | undefined;
  LastRotatedDate?: Date | undefined;
  NextRotationDate?: Date | undefined;
  ReplicationStatus?:
    | Array<{ Region?: string | undefined; Status?: string | undefined; StatusMessage?: string | undefined }>
    | undefined;
}

export interface StatusReads {
  describeSecret(secretId: string): Promise<SecretDetails>;
  secretVersions(
    secretId: string,
  ): Promise<
    Array<{ VersionId?: string | undefined; VersionStages?: string[] | undefined; CreatedDate?: Date | undefined }>
  >;
  /** the SecretString of a stage; rejects as AWS does when there is none */
  secretString(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string>;
  /** rejects with name ResourceNotFoundException when there is no such function */
  functionArn(functionName: string): Promise<{ arn: string; name: string }>;
  /** numbered versions, oldest first */
  functionVersions(functionName: string): Promise<Array<{ version: string; arn: string }>>;
  /** rejects with name NoSuchDistribution when there is none */
  distribution(
    id: string,
  ): Promise<{ domainName: string | undefined; status: string | undefined; config: DistributionConfig }>;
}

export function sdkStatusReads(clients: {
  sm: () => Promise<SecretsManagerClient>;
  lambda: () => Promise<LambdaClient>;
  cf: () => Promise<CloudFrontClient>;
}): StatusReads {
  const sm = () => Promise.all([import('@aws-sdk/client-secrets-manager'), clients.sm()]);
  return {
    async describeSecret(secretId) {
      const [{ DescribeSecretCommand }, client] = await sm();
      return client.send(new DescribeSecretCommand({ SecretId: secretId }));
    },
    async secretVersions(secretId) {
      const [{ ListSecretVersionIdsCommand }, client] = await sm();
      return (await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId }))).Versions ?? [];
    },
    async secretString(secretId, stage) {
      const [{ GetSecretValueCommand }, client] = await sm();
      return (
        (await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }))).SecretString ?? ''
      );
    },
    async functionArn(functionName) {
      const [{ GetFunctionConfigurationCommand }, lambda] = await Promise.all([
        import('@aws-sdk/client-lambda'),
        clients.lambda(),
      ]);
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      return { arn: fn.FunctionArn ?? functionName, name: fn.FunctionName ?? functionName };
    },
    async functionVersions(functionName) {
      const [{ publishedVersions }, lambda] = await Promise.all([import('../ops/distribution.js'), clients.lambda()]);
      return publishedVersions(lambda, functionName);
    },
    async distribution(id) {
      const [{ GetDistributionCommand }, cf] = await Promise.all([import('@aws-sdk/client-cloudfront'), clients.cf()]);
      const d = await cf.send(new GetDistributionCommand({ Id: id }));
      return {
        domainName: d.Distribution?.DomainName,
        status: d.Distribution?.Status,
        config: d.Distribution?.DistributionConfig ?? ({} as DistributionConfig),
      };
    },
  };
}

const date = (epochSeconds: unknown): Date | undefined =>
  typeof epochSeconds === 'number' ? new Date(epochSeconds * 1000) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function lightStatusReads(target: LightTarget): StatusReads {
  async function rest(service: 'lambda' | 'cloudfront', path: string, region: string): Promise<string> {
    const [{ signGet }, { localRequest }] = await Promise.all([
      import('../../handlers/shared/sigv4.js'),
      import('../local/light-http.js'),
    ]);
    const url = new URL(path, target.endpoint);
    const answer = await localRequest(url.href, {
      headers: signGet({ url, region, service }, target.credentials),
      timeoutMs: 10_000,
    });
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    // REST-JSON errors carry the code in a header the light client does not keep, and in the body's Type/Message;
    // REST-XML errors in <Code>
    const code =
      /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1] ??
      (answer.status === 404 ? 'ResourceNotFoundException' : `Http${answer.status}`);
    const message =
      /<Message>([^<]*)<\/Message>/.exec(answer.body)?.[1] ??
      (() => {
        try {
          return String((JSON.parse(answer.body) as { Message?: unknown }).Message ?? code);
        } catch {
          return code;
        }
      })();
    throw new AwsJsonError(code, message, answer.status);
  }
  const lambdaPath = (name: string) => `/2015-03-31/functions/${encodeURIComponent(name)}`;
  return {
    async describeSecret(secretId) {
      const o = await lightJsonCall(target, 'DescribeSecret', { SecretId: secretId });
      const rules = o.RotationRules as SecretDetails['RotationRules'];
      return {
        ARN: str(o.ARN),
        Name: str(o.Name),
        RotationEnabled: o.RotationEnabled === true,
        RotationRules: rules,
        RotationLambdaARN: str(o.RotationLambdaARN),
        LastRotatedDate: date(o.LastRotatedDate),
        NextRotationDate: date(o.NextRotationDate),
        ReplicationStatus: (o.ReplicationStatus as SecretDetails['ReplicationStatus']) ?? undefined,
      };
    },
    async secretVersions(secretId) {
      const o = await lightJsonCall(target, 'ListSecretVersionIds', { SecretId: secretId });
      return ((o.Versions as Array<Record<string, unknown>>) ?? []).map((v) => ({
        VersionId: str(v.VersionId),
        VersionStages: v.VersionStages as string[],
        CreatedDate: date(v.CreatedDate),
      }));
    },
    async secretString(secretId, stage) {
      return (
        str(
          (await lightJsonCall(target, 'GetSecretValue', { SecretId: secretId, VersionStage: stage })).SecretString,
        ) ?? ''
      );
    },
    async functionArn(functionName) {
      const fn = JSON.parse(await rest('lambda', `${lambdaPath(functionName)}/configuration`, 'us-east-1')) as {
        FunctionArn?: string;
        FunctionName?: string;
      };
      return { arn: fn.FunctionArn ?? functionName, name: fn.FunctionName ?? functionName };
    },
    async functionVersions(functionName) {
      const out: Array<{ version: string; arn: string }> = [];
      let marker: string | undefined;
      do {
        const page = JSON.parse(
          await rest(
            'lambda',
            `${lambdaPath(functionName)}/versions${marker ? `?Marker=${encodeURIComponent(marker)}` : ''}`,
            'us-east-1',
          ),
        ) as {
          Versions?: Array<{ Version?: string; FunctionArn?: string }>;
          NextMarker?: string;
        };
        for (const v of page.Versions ?? [])
          if (/^\d+$/.test(v.Version ?? '')) out.push({ version: v.Version as string, arn: v.FunctionArn as string });
        marker = page.NextMarker;
      } while (marker);
      return out.sort((a, b) => Number(a.version) - Number(b.version));
    },
    async distribution(id) {
      const [xml, { parseXml, itemsOf }] = await Promise.all([
        rest('cloudfront', `/2020-05-31/distribution/${encodeURIComponent(id)}`, 'us-east-1'),
        import('../local/services/cloudfront/config.js'),
      ]);
      const d = (parseXml(xml).Distribution ?? {}) as Record<string, unknown>;
      const config = (d.DistributionConfig ?? {}) as Record<string, unknown>;
      // what status reads of a config, in the SDK's shape: the behaviors and their associations
      const behavior = (b: Record<string, unknown>) => ({
        ...(str(b.PathPattern) !== undefined ? { PathPattern: str(b.PathPattern) } : {}),
        TargetOriginId: str(b.TargetOriginId),
        LambdaFunctionAssociations: {
          Quantity: itemsOf(b.LambdaFunctionAssociations, 'LambdaFunctionAssociation').length,
          Items: itemsOf(b.LambdaFunctionAssociations, 'LambdaFunctionAssociation').map((a) => ({
            LambdaFunctionARN: str(a.LambdaFunctionARN),
            EventType: str(a.EventType) as never,
          })),
        },
        FunctionAssociations: {
          Quantity: itemsOf(b.FunctionAssociations, 'FunctionAssociation').length,
          Items: itemsOf(b.FunctionAssociations, 'FunctionAssociation').map((a) => ({
            FunctionARN: str(a.FunctionARN),
            EventType: str(a.EventType) as never,
          })),
        },
      });
      const behaviors = itemsOf(config.CacheBehaviors, 'CacheBehavior');
      return {
        domainName: str(d.DomainName),
        status: str(d.Status),
        config: {
          DefaultCacheBehavior: behavior((config.DefaultCacheBehavior ?? {}) as Record<string, unknown>),
          CacheBehaviors: { Quantity: behaviors.length, Items: behaviors.map(behavior) },
        } as unknown as DistributionConfig,
      };
    },
  };
}

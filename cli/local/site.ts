// One protected site in the local cloud, set up the way a deploy sets AWS up:
// the rotation function (allowed to be invoked by Secrets Manager), the edge
// function with a published version, the secret with rotation enabled (which
// makes the first password), and a distribution running the edge function in
// front of the origin. Idempotent: run again, it updates what changed. Used by
// `basicauth dev` and by the tests.

import type { LocalCloud } from './cloud.js';
import { distributionConfigXml, itemsOf, type Node } from './services/cloudfront/config.js';
import { CURRENT, withStage } from './services/secrets-manager/model.js';

export interface SiteSpec {
  secretName: string;
  secretDescription?: string;
  /** a first value instead of the first rotation (tests) */
  initialValue?: Record<string, unknown>;
  edgeFunction: { name: string; zip: Buffer };
  rotateFunction?: { name: string; zip: Buffer; environment?: Record<string, string> };
  rotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  callerReference: string;
  comment?: string;
  origin: { domainName: string; protocol: 'http' | 'https'; port: number };
  /** how long to wait for the first password */
  firstPasswordTimeoutMs?: number;
}

export interface Site {
  secretArn: string;
  edgeFunctionArn: string;
  edgeVersion: string;
  rotateFunctionArn: string | undefined;
  distributionId: string;
}

export class SiteError extends Error {}

export async function provisionSite(cloud: LocalCloud, spec: SiteSpec): Promise<Site> {
  const region = cloud.store.state.region;
  // Lambda@Edge functions live in us-east-1; both are created (and become Active) side by side.
  const [rotate, { fn: edge }] = await Promise.all([
    spec.rotateFunction
      ? cloud.lambda.putFunction({
          name: spec.rotateFunction.name,
          zip: spec.rotateFunction.zip,
          timeout: 30,
          description: `basicauth rotation of ${spec.secretName}`,
          environment: spec.rotateFunction.environment ?? {},
          region,
        })
      : undefined,
    cloud.lambda.putFunction({ name: spec.edgeFunction.name, zip: spec.edgeFunction.zip, timeout: 5, description: 'basicauth edge auth', environment: {}, region: 'us-east-1' }),
  ]);
  const rotateArn = rotate?.fn.arn;
  if (rotate && !rotate.fn.policy?.some((s) => s.Sid === 'SecretsManagerRotates')) {
    await cloud.call(
      'lambda',
      'AddPermission',
      { FunctionName: rotate.fn.arn, StatementId: 'SecretsManagerRotates', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' },
      region,
    );
  }
  const edgeVersion = cloud.lambda.functions.publish(edge).version;

  const secretArn = await ensureSecret(cloud, spec, region, rotateArn);

  const qualifiedArn = `${edge.arn}:${edgeVersion}`;
  const existing = cloud.cloudfront.state.distributions.find((d) => cloud.cloudfront.routing(d).callerReference === spec.callerReference);
  const xml = distributionConfigXml({ callerReference: spec.callerReference, comment: spec.comment ?? '', origin: spec.origin, viewerRequestArn: qualifiedArn });
  let distributionId: string;
  if (!existing) {
    distributionId = cloud.cloudfront.createDistribution(xml).id;
  } else {
    distributionId = existing.id;
    const config = repointed(existing.config, edge.arn, qualifiedArn, spec.origin);
    if (JSON.stringify(config) !== JSON.stringify(existing.config)) cloud.cloudfront.updateConfig(existing.id, existing.etag, config);
  }
  return { secretArn, edgeFunctionArn: edge.arn, edgeVersion, rotateFunctionArn: rotateArn, distributionId };
}

async function ensureSecret(cloud: LocalCloud, spec: SiteSpec, region: string, rotateArn: string | undefined): Promise<string> {
  const sm = cloud.secretsManager;
  let secret = sm.state.secrets.find((s) => s.name === spec.secretName && s.region === region);
  if (secret?.deletedDate !== undefined) {
    await cloud.call('secretsmanager', 'RestoreSecret', { SecretId: secret.arn }, region);
  }
  if (!secret) {
    await cloud.call(
      'secretsmanager',
      'CreateSecret',
      { Name: spec.secretName, ...(spec.secretDescription ? { Description: spec.secretDescription } : {}), ...(spec.initialValue ? { SecretString: JSON.stringify(spec.initialValue) } : {}) },
      region,
    );
    secret = sm.state.secrets.find((s) => s.name === spec.secretName && s.region === region)!;
  }
  if (rotateArn) {
    const rules = spec.rotationRules ?? { AutomaticallyAfterDays: 30 };
    const rulesChanged = JSON.stringify(secret.rotationRules ?? {}) !== JSON.stringify(rules);
    if (!secret.rotationEnabled || secret.rotationLambdaArn !== rotateArn || rulesChanged) {
      // Enabling rotation rotates at once, as in AWS: that creates the first password.
      const hasValue = withStage(secret, CURRENT) !== undefined;
      await cloud.call('secretsmanager', 'RotateSecret', { SecretId: secret.arn, RotationLambdaARN: rotateArn, RotationRules: rules, RotateImmediately: !hasValue }, region);
    }
  }
  const deadline = Date.now() + (spec.firstPasswordTimeoutMs ?? 30_000);
  for (;;) {
    const current = withStage(secret, CURRENT);
    if (current && (current.secretString !== undefined || current.secretBinary !== undefined)) return secret.arn;
    if (secret.rotation?.failedStep) throw new SiteError(`the first rotation failed at ${secret.rotation.failedStep}: ${secret.rotation.error}`);
    if (!rotateArn) throw new SiteError(`the secret ${spec.secretName} has no value and no rotation function to make one`);
    if (Date.now() > deadline) throw new SiteError('the first rotation did not finish in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The config with every association of the function on `qualifiedArn`, and the first origin at `origin`; the rest as it was. */
function repointed(current: Node, functionArn: string, qualifiedArn: string, origin: SiteSpec['origin']): Node {
  const config = structuredClone(current);
  for (const behavior of [config.DefaultCacheBehavior as Node, ...itemsOf(config.CacheBehaviors, 'CacheBehavior')]) {
    for (const association of itemsOf(behavior.LambdaFunctionAssociations, 'LambdaFunctionAssociation')) {
      if (String(association.LambdaFunctionARN).startsWith(`${functionArn}:`)) association.LambdaFunctionARN = qualifiedArn;
    }
  }
  const first = itemsOf(config.Origins, 'Origin')[0];
  const custom = first?.CustomOriginConfig as Node | undefined;
  if (first && custom) {
    first.DomainName = origin.domainName;
    custom.OriginProtocolPolicy = origin.protocol === 'http' ? 'http-only' : 'https-only';
    custom[origin.protocol === 'http' ? 'HTTPPort' : 'HTTPSPort'] = String(origin.port);
  }
  return config;
}

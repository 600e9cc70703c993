// One protected site in the local cloud, set up the way a deploy sets AWS up:
// the rotation function (allowed to be invoked by Secrets Manager), the edge
// function with a published version, the secret with rotation enabled (which
// makes the first password), and a distribution running the edge function in
// front of the origin. Idempotent: run again, it updates what changed. Used by
// `basicauth dev` and by the tests.

import type { LocalCloud } from './cloud.js';
import { distributionConfigXml, itemsOf, type Node } from './services/cloudfront/config.js';
import { CURRENT, withStage } from './services/secrets-manager/model.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';
import { ROBOTS_HEADER } from '../../handlers/shared/robots.js';

export interface SiteSpec {
  secretName: string;
  secretDescription?: string;
  /** a first value instead of the first rotation (tests) */
  initialValue?: Record<string, unknown>;
  /** the Lambda@Edge engine's function */
  edgeFunction?: { name: string; zip: Buffer };
  /** the CloudFront Functions engine's function and the store its digests live in */
  cloudFrontFunction?: { name: string; code: string; keyValueStoreName: string; graceSeconds: number };
  rotateFunction?: { name: string; zip: Buffer; environment?: Record<string, string> };
  rotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  callerReference: string;
  comment?: string;
  origin: { domainName: string; protocol: 'http' | 'https'; port: number };
  /** how long to wait for the first password */
  firstPasswordTimeoutMs?: number;
  /** keep the site out of search engines: a response headers policy adding X-Robots-Tag (default true) */
  noindex?: boolean;
}

export interface Site {
  engine: EdgeEngineName;
  secretArn: string;
  edgeFunctionArn: string;
  /** the Lambda version the distribution runs, or LIVE for a CloudFront function */
  edgeVersion: string;
  keyValueStoreArn: string | undefined;
  rotateFunctionArn: string | undefined;
  distributionId: string;
}

export class SiteError extends Error {}

/** The policy that keeps a protected site out of search engines, as the stack's (stacks/constructs/distribution.ts). */
const NOINDEX_POLICY = {
  Comment: 'basicauth: keep a protected site out of search engines',
  CustomHeadersConfig: {
    Quantity: '1',
    Items: { ResponseHeadersPolicyCustomHeader: [{ Header: 'X-Robots-Tag', Value: ROBOTS_HEADER, Override: 'true' }] },
  },
};

const noindexPolicyName = (spec: SiteSpec) =>
  `${spec.secretName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 110)}-noindex`;

export async function provisionSite(cloud: LocalCloud, spec: SiteSpec): Promise<Site> {
  const region = cloud.store.state.region;
  const cff = spec.cloudFrontFunction;
  if (!cff === !spec.edgeFunction)
    throw new SiteError('a site runs exactly one edge engine: a Lambda@Edge function or a CloudFront function');
  // The CloudFront Functions engine: the store first, since the rotation function publishes to it.
  const store = cff
    ? cloud.cloudfront.functions.ensureStore(
        cff.keyValueStoreName,
        `basicauth: credential digests of ${spec.secretName}`,
      )
    : undefined;
  const rotateEnvironment = {
    ...(spec.rotateFunction?.environment ?? {}),
    ...(store && cff ? { BASICAUTH_KVS_ARN: store.arn, BASICAUTH_GRACE_SECONDS: String(cff.graceSeconds) } : {}),
  };
  // Lambda@Edge functions live in us-east-1; both are created (and become Active) side by side.
  const [rotate, edge] = await Promise.all([
    spec.rotateFunction
      ? cloud.lambda.putFunction({
          name: spec.rotateFunction.name,
          zip: spec.rotateFunction.zip,
          timeout: 30,
          description: `basicauth rotation of ${spec.secretName}`,
          environment: rotateEnvironment,
          region,
        })
      : undefined,
    spec.edgeFunction
      ? cloud.lambda
          .putFunction({
            name: spec.edgeFunction.name,
            zip: spec.edgeFunction.zip,
            timeout: 5,
            description: 'basicauth edge auth',
            environment: {},
            region: 'us-east-1',
          })
          .then((r) => r.fn)
      : undefined,
  ]);
  const rotateArn = rotate?.fn.arn;
  if (rotate && !rotate.fn.policy?.some((s) => s.Sid === 'SecretsManagerRotates')) {
    await cloud.call(
      'lambda',
      'AddPermission',
      {
        FunctionName: rotate.fn.arn,
        StatementId: 'SecretsManagerRotates',
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
      },
      region,
    );
  }
  const published = edge ? cloud.lambda.functions.publish(edge) : undefined;
  const edgeVersion = published?.version ?? 'LIVE';
  const fn =
    cff && store
      ? cloud.cloudfront.functions.putAndPublish(
          cff.name,
          cff.code,
          store.arn,
          'basicauth edge auth (digests in a KeyValueStore)',
        )
      : undefined;

  const secretArn = await ensureSecret(cloud, spec, region, rotateArn);
  // The first rotation published the digests; a secret that already had a value (or a store emptied by hand) gets them now.
  if (store && cff) await publishLocally(cloud, secretArn, store.arn, cff.graceSeconds, region);

  // A version just published is Pending, and CloudFront refuses to associate it until it is Active (as on AWS).
  const pendingMs = (published?.activeAt ?? 0) - Date.now();
  if (pendingMs > 0) await new Promise((r) => setTimeout(r, pendingMs));
  const association = edge ? { viewerRequestArn: `${edge.arn}:${edgeVersion}` } : { viewerRequestFunctionArn: fn!.arn };
  const noindex =
    spec.noindex === false
      ? undefined
      : cloud.cloudfront.responseHeaders.ensure(noindexPolicyName(spec), NOINDEX_POLICY).id;
  const existing = cloud.cloudfront.state.distributions.find(
    (d) => cloud.cloudfront.routing(d).callerReference === spec.callerReference,
  );
  const xml = distributionConfigXml({
    callerReference: spec.callerReference,
    comment: spec.comment ?? '',
    origin: spec.origin,
    ...association,
    ...(noindex ? { responseHeadersPolicyId: noindex } : {}),
  });
  let distributionId: string;
  if (!existing) {
    distributionId = cloud.cloudfront.createDistribution(xml).id;
  } else {
    distributionId = existing.id;
    const config = repointed(existing.config, association, spec.origin, noindex);
    if (JSON.stringify(config) !== JSON.stringify(existing.config))
      cloud.cloudfront.updateConfig(existing.id, existing.etag, config);
  }
  return {
    engine: edge ? 'lambda-edge' : 'cloudfront-function',
    secretArn,
    edgeFunctionArn: edge?.arn ?? fn!.arn,
    edgeVersion,
    keyValueStoreArn: store?.arn,
    rotateFunctionArn: rotateArn,
    distributionId,
  };
}

/** What `basicauth sync` does, through the same SDK clients, against this cloud. */
async function publishLocally(
  cloud: LocalCloud,
  secretArn: string,
  kvsArn: string,
  graceSeconds: number,
  region: string,
): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [{ SecretsManagerClient }, { createKvsClient }, { publishDigests }, { LOCAL_SIGNING: credentials }] =
    await Promise.all([
      import('@aws-sdk/client-secrets-manager'),
      import('../../handlers/shared/kvs-client.js'),
      import('../../handlers/shared/kvs-publisher.js'),
      import('./credentials.js'),
    ]);
  const secrets = new SecretsManagerClient({ region, endpoint: cloud.endpoint, credentials });
  const kvs = createKvsClient({ endpoint: cloud.endpoint, credentials });
  try {
    await publishDigests({ secrets, kvs, secretId: secretArn, kvsArn, graceSeconds });
  } finally {
    secrets.destroy();
    kvs.destroy();
  }
}

async function ensureSecret(
  cloud: LocalCloud,
  spec: SiteSpec,
  region: string,
  rotateArn: string | undefined,
): Promise<string> {
  const sm = cloud.secretsManager;
  let secret = sm.state.secrets.find((s) => s.name === spec.secretName && s.region === region);
  if (secret?.deletedDate !== undefined) {
    await cloud.call('secretsmanager', 'RestoreSecret', { SecretId: secret.arn }, region);
  }
  if (!secret) {
    await cloud.call(
      'secretsmanager',
      'CreateSecret',
      {
        Name: spec.secretName,
        ...(spec.secretDescription ? { Description: spec.secretDescription } : {}),
        ...(spec.initialValue ? { SecretString: JSON.stringify(spec.initialValue) } : {}),
      },
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
      await cloud.call(
        'secretsmanager',
        'RotateSecret',
        { SecretId: secret.arn, RotationLambdaARN: rotateArn, RotationRules: rules, RotateImmediately: !hasValue },
        region,
      );
    }
  }
  const deadline = Date.now() + (spec.firstPasswordTimeoutMs ?? 30_000);
  for (;;) {
    const current = withStage(secret, CURRENT);
    if (current && (current.secretString !== undefined || current.secretBinary !== undefined)) return secret.arn;
    if (secret.rotation?.failedStep)
      throw new SiteError(`the first rotation failed at ${secret.rotation.failedStep}: ${secret.rotation.error}`);
    if (!rotateArn)
      throw new SiteError(`the secret ${spec.secretName} has no value and no rotation function to make one`);
    if (Date.now() > deadline) throw new SiteError('the first rotation did not finish in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Lambda ARN without its version, so that every version of one function compares equal. */
const unqualified = (arn: string): string => arn.replace(/:(\d+|\$LATEST)$/, '');

/** The functions a behavior runs at viewer-request: Lambda ARNs unqualified, CloudFront function ARNs as they are. */
function viewerRequestFunctions(behavior: Node): string[] {
  return [
    ...itemsOf(behavior.LambdaFunctionAssociations, 'LambdaFunctionAssociation')
      .filter((a) => a.EventType === 'viewer-request')
      .map((a) => unqualified(String(a.LambdaFunctionARN))),
    ...itemsOf(behavior.FunctionAssociations, 'FunctionAssociation')
      .filter((a) => a.EventType === 'viewer-request')
      .map((a) => String(a.FunctionARN)),
  ];
}

/**
 * The config with the site's engine (a Lambda version, or a CloudFront function: switching engines
 * replaces the other one) on its default behavior and on every cache behavior that ran the site's
 * edge before (added by hand, as a second protected path); a behavior that runs someone else's
 * function is left alone. The first origin goes to `origin`; the rest as it was.
 */
function repointed(
  current: Node,
  association: { viewerRequestArn?: string; viewerRequestFunctionArn?: string },
  origin: SiteSpec['origin'],
  noindex: string | undefined,
): Node {
  const config = structuredClone(current);
  const defaults = config.DefaultCacheBehavior as Node;
  if (noindex) defaults.ResponseHeadersPolicyId = noindex;
  else delete defaults.ResponseHeadersPolicyId;
  const ours = new Set([
    ...viewerRequestFunctions(defaults),
    ...(association.viewerRequestArn ? [unqualified(association.viewerRequestArn)] : []),
    ...(association.viewerRequestFunctionArn ? [association.viewerRequestFunctionArn] : []),
  ]);
  const others = (list: unknown, member: string) =>
    itemsOf(list, member).filter((a) => a.EventType !== 'viewer-request');
  for (const behavior of [defaults, ...itemsOf(config.CacheBehaviors, 'CacheBehavior')]) {
    if (behavior !== defaults && !viewerRequestFunctions(behavior).some((arn) => ours.has(arn))) continue;
    const lambdas = [
      ...others(behavior.LambdaFunctionAssociations, 'LambdaFunctionAssociation'),
      ...(association.viewerRequestArn
        ? [{ LambdaFunctionARN: association.viewerRequestArn, EventType: 'viewer-request', IncludeBody: 'false' }]
        : []),
    ];
    const functions = [
      ...others(behavior.FunctionAssociations, 'FunctionAssociation'),
      ...(association.viewerRequestFunctionArn
        ? [{ FunctionARN: association.viewerRequestFunctionArn, EventType: 'viewer-request' }]
        : []),
    ];
    behavior.LambdaFunctionAssociations = {
      Quantity: String(lambdas.length),
      ...(lambdas.length ? { Items: { LambdaFunctionAssociation: lambdas } } : {}),
    };
    behavior.FunctionAssociations = {
      Quantity: String(functions.length),
      ...(functions.length ? { Items: { FunctionAssociation: functions } } : {}),
    };
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

// DistributionConfig XML: parsed, validated and normalized the way CloudFront
// returns it (every optional list present with its Quantity, AWS's defaults
// filled in, Quantity checked against Items), written back in CloudFront's
// element order, and read for what the local edge routes by.

import { pathPatternSource } from '../../../../handlers/shared/path-patterns.js';
import { escapeXml, xmlElements, XMLParser } from '../../xml.js';

import { ServiceError } from '../../plugin.js';

export const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

// In CloudFront's XML every list is <Items> holding repeated members.
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  isArray: (_name, jpath) => /(^|\.)Items\.[^.]+$/.test(String(jpath)),
});

export type Node = Record<string, unknown>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly code = 'MalformedInput',
  ) {
    super(message);
  }
}

/** CloudFront's conditional writes: an If-Match that is missing, or is not the resource's ETag, is refused (as documented). */
export function checkIfMatch(etag: string, given: unknown): void {
  if (!given)
    throw new ServiceError('InvalidIfMatchVersion', 'The If-Match version is missing or not valid for the resource.');
  if (given !== etag)
    throw new ServiceError(
      'PreconditionFailed',
      'The precondition given in one or more of the request header fields evaluated to false.',
      412,
    );
}

export function parseXml(xml: string): Node {
  try {
    return parser.parse(xml) as Node;
  } catch (error) {
    throw new ConfigError(`the request body is not well-formed XML: ${(error as Error).message}`);
  }
}

const text = (node: unknown, key: string): string | undefined => {
  const value = (node as Node | undefined)?.[key];
  return typeof value === 'string' ? value : undefined;
};

/** The members of a `{Quantity, Items: {Member: [...]}}` list. */
export function itemsOf(list: unknown, member: string): Node[] {
  const items = (list as Node | undefined)?.Items as Node | undefined;
  const value = items?.[member];
  return Array.isArray(value) ? (value as Node[]) : [];
}

/** A list in CloudFront's shape, its Quantity checked against its Items. */
function list(node: unknown, member: string, where: string, extra: Node = {}): Node {
  const members = itemsOf(node, member);
  const declared = text(node, 'Quantity');
  if (declared !== undefined && Number(declared) !== members.length) {
    throw new ConfigError(
      `The parameter ${where}.Quantity (${declared}) does not match the number of items (${members.length}).`,
      'InvalidArgument',
    );
  }
  return { ...extra, Quantity: String(members.length), ...(members.length ? { Items: { [member]: members } } : {}) };
}

/** A new object with `order`'s keys first (those present or defaulted), then any others as given. */
function ordered(node: Node, defaults: Array<[string, unknown]>): Node {
  const out: Node = {};
  for (const [key, fallback] of defaults) {
    const value = node[key] ?? fallback;
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(node)) if (!(key in out)) out[key] = value;
  return out;
}

function behavior(b: Node, where: string, cacheBehavior: boolean): Node {
  if (!text(b, 'TargetOriginId')) throw new ConfigError(`${where}.TargetOriginId is required.`);
  if (!text(b, 'ViewerProtocolPolicy')) throw new ConfigError(`${where}.ViewerProtocolPolicy is required.`);
  const allowed = b.AllowedMethods as Node | undefined;
  const methods = allowed
    ? {
        ...list(allowed, 'Method', `${where}.AllowedMethods`),
        CachedMethods: list(
          allowed.CachedMethods ?? { Items: { Method: ['HEAD', 'GET'] } },
          'Method',
          `${where}.AllowedMethods.CachedMethods`,
        ),
      }
    : {
        Quantity: '2',
        Items: { Method: ['HEAD', 'GET'] },
        CachedMethods: { Quantity: '2', Items: { Method: ['HEAD', 'GET'] } },
      };
  if (!text(b, 'CachePolicyId') && b.ForwardedValues === undefined) {
    throw new ConfigError(`${where}: either CachePolicyId or ForwardedValues is required.`, 'InvalidArgument');
  }
  return ordered(b, [
    ...(cacheBehavior ? ([['PathPattern', undefined]] as Array<[string, unknown]>) : []),
    ['TargetOriginId', undefined],
    [
      'TrustedSigners',
      list(b.TrustedSigners, 'AwsAccountNumber', `${where}.TrustedSigners`, {
        Enabled: text(b.TrustedSigners, 'Enabled') ?? 'false',
      }),
    ],
    [
      'TrustedKeyGroups',
      list(b.TrustedKeyGroups, 'KeyGroup', `${where}.TrustedKeyGroups`, {
        Enabled: text(b.TrustedKeyGroups, 'Enabled') ?? 'false',
      }),
    ],
    ['ViewerProtocolPolicy', undefined],
    ['AllowedMethods', methods],
    ['SmoothStreaming', 'false'],
    ['Compress', 'false'],
    [
      'LambdaFunctionAssociations',
      list(b.LambdaFunctionAssociations, 'LambdaFunctionAssociation', `${where}.LambdaFunctionAssociations`),
    ],
    ['FunctionAssociations', list(b.FunctionAssociations, 'FunctionAssociation', `${where}.FunctionAssociations`)],
    ['FieldLevelEncryptionId', ''],
  ]);
}

function origin(o: Node, i: number): Node {
  const where = `Origins.Items[${i}]`;
  if (!text(o, 'Id')) throw new ConfigError(`${where}.Id is required.`);
  if (!text(o, 'DomainName')) throw new ConfigError(`${where}.DomainName is required.`);
  const custom = o.CustomOriginConfig as Node | undefined;
  const s3 = o.S3OriginConfig as Node | undefined;
  if (custom && s3)
    throw new ConfigError(`${where}: an origin has either CustomOriginConfig or S3OriginConfig.`, 'InvalidArgument');
  const normalizedCustom = custom
    ? ordered(custom, [
        ['HTTPPort', '80'],
        ['HTTPSPort', '443'],
        ['OriginProtocolPolicy', undefined],
        [
          'OriginSslProtocols',
          list(
            custom.OriginSslProtocols ?? { Items: { SslProtocol: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] } },
            'SslProtocol',
            `${where}.CustomOriginConfig.OriginSslProtocols`,
          ),
        ],
        ['OriginReadTimeout', '30'],
        ['OriginKeepaliveTimeout', '5'],
      ])
    : undefined;
  return ordered(o, [
    ['Id', undefined],
    ['DomainName', undefined],
    ['OriginPath', ''],
    ['CustomHeaders', list(o.CustomHeaders, 'OriginCustomHeader', `${where}.CustomHeaders`)],
    [
      'S3OriginConfig',
      s3 ? ordered(s3, [['OriginAccessIdentity', '']]) : custom ? undefined : { OriginAccessIdentity: '' },
    ],
    ['CustomOriginConfig', normalizedCustom],
    ['ConnectionAttempts', '3'],
    ['ConnectionTimeout', '10'],
    ['OriginShield', o.OriginShield ?? { Enabled: 'false' }],
    ['OriginAccessControlId', ''],
  ]);
}

/** A DistributionConfig as CloudFront stores and returns it; throws ConfigError for what CloudFront refuses. */
export function normalizeDistributionConfig(config: Node | undefined): Node {
  if (!config || typeof config !== 'object') throw new ConfigError('the document is not a DistributionConfig');
  if (!text(config, 'CallerReference')) throw new ConfigError('DistributionConfig.CallerReference is required.');
  if (text(config, 'Comment') === undefined && config.Comment !== '')
    throw new ConfigError('DistributionConfig.Comment is required (it may be empty).');
  if (text(config, 'Enabled') === undefined) throw new ConfigError('DistributionConfig.Enabled is required.');
  const origins = itemsOf(config.Origins, 'Origin').map(origin);
  if (origins.length === 0) throw new ConfigError('DistributionConfig.Origins needs at least one Origin.');
  list(config.Origins, 'Origin', 'Origins');
  if (!config.DefaultCacheBehavior) throw new ConfigError('DistributionConfig.DefaultCacheBehavior is required.');
  const behaviors = itemsOf(config.CacheBehaviors, 'CacheBehavior').map((b, i) => {
    if (!text(b, 'PathPattern')) throw new ConfigError(`CacheBehaviors.Items[${i}].PathPattern is required.`);
    return behavior(b, `CacheBehaviors.Items[${i}]`, true);
  });
  list(config.CacheBehaviors, 'CacheBehavior', 'CacheBehaviors');
  const logging = (config.Logging as Node | undefined) ?? {};
  return ordered(config, [
    ['CallerReference', undefined],
    ['Aliases', list(config.Aliases, 'CNAME', 'Aliases')],
    ['DefaultRootObject', ''],
    ['Origins', { Quantity: String(origins.length), Items: { Origin: origins } }],
    ['OriginGroups', list(config.OriginGroups, 'OriginGroup', 'OriginGroups')],
    ['DefaultCacheBehavior', behavior(config.DefaultCacheBehavior as Node, 'DefaultCacheBehavior', false)],
    [
      'CacheBehaviors',
      { Quantity: String(behaviors.length), ...(behaviors.length ? { Items: { CacheBehavior: behaviors } } : {}) },
    ],
    ['CustomErrorResponses', list(config.CustomErrorResponses, 'CustomErrorResponse', 'CustomErrorResponses')],
    ['Comment', ''],
    [
      'Logging',
      ordered(logging, [
        ['Enabled', 'false'],
        ['IncludeCookies', 'false'],
        ['Bucket', ''],
        ['Prefix', ''],
      ]),
    ],
    ['PriceClass', 'PriceClass_All'],
    ['Enabled', undefined],
    ['ViewerCertificate', viewerCertificate(config.ViewerCertificate as Node | undefined)],
    ['Restrictions', config.Restrictions ?? { GeoRestriction: { RestrictionType: 'none', Quantity: '0' } }],
    ['WebACLId', ''],
    ['HttpVersion', 'http2'],
    ['IsIPV6Enabled', 'false'],
    ['ContinuousDeploymentPolicyId', ''],
    ['Staging', 'false'],
  ]);
}

function viewerCertificate(v: Node | undefined): Node {
  if (
    !v ||
    text(v, 'CloudFrontDefaultCertificate') === 'true' ||
    (!text(v, 'ACMCertificateArn') && !text(v, 'IAMCertificateId'))
  ) {
    return {
      CloudFrontDefaultCertificate: 'true',
      SSLSupportMethod: 'vip',
      MinimumProtocolVersion: 'TLSv1',
      CertificateSource: 'cloudfront',
    };
  }
  return ordered(v, [
    ['CloudFrontDefaultCertificate', 'false'],
    ['ACMCertificateArn', undefined],
    ['IAMCertificateId', undefined],
    ['SSLSupportMethod', 'sni-only'],
    ['MinimumProtocolVersion', 'TLSv1.2_2021'],
    ['Certificate', text(v, 'ACMCertificateArn') ?? text(v, 'IAMCertificateId')],
    ['CertificateSource', text(v, 'ACMCertificateArn') ? 'acm' : 'iam'],
  ]);
}

export const configToXml = (config: Node) =>
  `<DistributionConfig>${xmlElements(config, 'repeat')}</DistributionConfig>`;

/** The DistributionConfig of a request body (as is, or inside DistributionConfigWithTags). */
export function readDistributionConfig(xml: string): { config: Node; tags: Array<{ Key: string; Value: string }> } {
  const doc = parseXml(xml);
  const withTags = doc.DistributionConfigWithTags as Node | undefined;
  const raw = (withTags?.DistributionConfig ?? doc.DistributionConfig) as Node | undefined;
  if (!raw) throw new ConfigError('the document is not a DistributionConfig');
  const tags = itemsOf(withTags?.Tags, 'Tag').map((t) => ({
    Key: text(t, 'Key') ?? '',
    Value: text(t, 'Value') ?? '',
  }));
  return { config: normalizeDistributionConfig(raw), tags };
}

// ---- what the local edge routes by -------------------------------------------

export interface EdgeOrigin {
  id: string;
  domainName: string;
  originPath: string;
  protocol: 'http' | 'https';
  port: number;
  customHeaders: Array<[string, string]>;
  /** an S3 origin (reached with origin access control when originAccessControlId is set) */
  s3: boolean;
  originAccessControlId: string;
  /** how often CloudFront tries to connect before answering 502 */
  connectionAttempts: number;
}

export interface EdgeBehavior {
  pathPattern: string | undefined;
  /** compiled once per config: the edge runs it on every request */
  matches: (path: string) => boolean;
  targetOriginId: string;
  viewerRequestArn: string | undefined;
  /** a CloudFront function (ARN) on the viewer-request event */
  viewerRequestFunctionArn: string | undefined;
  /** the response headers policy applied to what the origin answers */
  responseHeadersPolicyId: string | undefined;
}

export interface EdgeRouting {
  enabled: boolean;
  origins: EdgeOrigin[];
  behaviors: EdgeBehavior[];
  defaultBehavior: EdgeBehavior;
  callerReference: string;
  defaultRootObject: string;
  lambdaArns: Array<{ arn: string; eventType: string }>;
  functionArns: Array<{ arn: string; eventType: string }>;
  originAccessControlIds: string[];
  responseHeadersPolicyIds: string[];
}

/** What the edge needs from a normalized config. */
export function routingOf(config: Node): EdgeRouting {
  const lambdaArns: EdgeRouting['lambdaArns'] = [];
  const functionArns: EdgeRouting['functionArns'] = [];
  const behaviorOf = (node: Node, pathPattern?: string): EdgeBehavior => {
    let viewerRequestArn: string | undefined;
    let viewerRequestFunctionArn: string | undefined;
    let lambdaOnViewer = false;
    let functionOnViewer = false;
    for (const association of itemsOf(node.LambdaFunctionAssociations, 'LambdaFunctionAssociation')) {
      const arn = text(association, 'LambdaFunctionARN') ?? '';
      const eventType = text(association, 'EventType') ?? '';
      lambdaArns.push({ arn, eventType });
      if (eventType === 'viewer-request') viewerRequestArn = arn;
      if (eventType.startsWith('viewer-')) lambdaOnViewer = true;
    }
    for (const association of itemsOf(node.FunctionAssociations, 'FunctionAssociation')) {
      const arn = text(association, 'FunctionARN') ?? '';
      const eventType = text(association, 'EventType') ?? '';
      functionArns.push({ arn, eventType });
      if (eventType === 'viewer-request') viewerRequestFunctionArn = arn;
      if (eventType.startsWith('viewer-')) functionOnViewer = true;
    }
    // "You can't combine CloudFront Functions and Lambda@Edge in viewer events (viewer request and viewer
    // response)" for a given cache behavior (CloudFront Developer Guide, Restrictions on all edge functions)
    if (lambdaOnViewer && functionOnViewer) {
      throw new ConfigError(
        `The cache behavior ${pathPattern ?? '(default)'} combines a CloudFront function and a Lambda@Edge function on viewer events; CloudFront Functions and Lambda@Edge cannot be combined in viewer events (viewer request and viewer response).`,
        'InvalidArgument',
      );
    }
    return {
      pathPattern,
      matches: pathPattern === undefined ? () => false : pathPatternMatcher(pathPattern),
      targetOriginId: text(node, 'TargetOriginId') ?? '',
      viewerRequestArn,
      viewerRequestFunctionArn,
      responseHeadersPolicyId: text(node, 'ResponseHeadersPolicyId') || undefined,
    };
  };
  const origins = itemsOf(config.Origins, 'Origin').map((o): EdgeOrigin => {
    const custom = o.CustomOriginConfig as Node | undefined;
    const policy = text(custom, 'OriginProtocolPolicy') ?? 'https-only';
    const protocol = custom && policy === 'http-only' ? 'http' : 'https';
    const port = custom
      ? Number(text(custom, protocol === 'http' ? 'HTTPPort' : 'HTTPSPort') ?? (protocol === 'http' ? 80 : 443))
      : 443;
    return {
      id: text(o, 'Id') ?? '',
      domainName: text(o, 'DomainName') ?? '',
      originPath: text(o, 'OriginPath') ?? '',
      protocol,
      port,
      customHeaders: itemsOf(o.CustomHeaders, 'OriginCustomHeader').map((h) => [
        text(h, 'HeaderName') ?? '',
        text(h, 'HeaderValue') ?? '',
      ]),
      s3: !custom,
      originAccessControlId: text(o, 'OriginAccessControlId') ?? '',
      connectionAttempts: Number(text(o, 'ConnectionAttempts') ?? 3),
    };
  });
  const defaultBehavior = behaviorOf(config.DefaultCacheBehavior as Node);
  const behaviors = itemsOf(config.CacheBehaviors, 'CacheBehavior').map((b) => behaviorOf(b, text(b, 'PathPattern')));
  for (const b of [defaultBehavior, ...behaviors]) {
    if (!origins.some((o) => o.id === b.targetOriginId))
      throw new ConfigError(`no Origin has the Id ${b.targetOriginId} that a cache behavior targets`, 'NoSuchOrigin');
  }
  return {
    enabled: text(config, 'Enabled') !== 'false',
    origins,
    behaviors,
    defaultBehavior,
    callerReference: text(config, 'CallerReference') ?? '',
    defaultRootObject: text(config, 'DefaultRootObject') ?? '',
    lambdaArns,
    functionArns,
    originAccessControlIds: itemsOf(config.Origins, 'Origin')
      .map((o) => text(o, 'OriginAccessControlId') ?? '')
      .filter(Boolean),
    responseHeadersPolicyIds: [
      ...new Set(
        [defaultBehavior, ...behaviors].flatMap((b) => (b.responseHeadersPolicyId ? [b.responseHeadersPolicyId] : [])),
      ),
    ],
  };
}

/** CloudFront path patterns (the edge handler's syntax); in a behavior the leading `/` is optional. */
function pathPatternMatcher(pattern: string): (path: string) => boolean {
  const re = new RegExp(`^${pathPatternSource(pattern.startsWith('/') ? pattern : `/${pattern}`)}$`);
  return (path) => re.test(path);
}

// ---- the distribution `basicauth dev` creates ---------------------------------

export interface NewDistribution {
  callerReference: string;
  comment: string;
  origin: { domainName: string; protocol: 'http' | 'https'; port: number };
  /** Lambda@Edge: a qualified function version ARN */
  viewerRequestArn?: string;
  /** the CloudFront Functions engine: the function's ARN */
  viewerRequestFunctionArn?: string;
  /** the response headers policy on the default behavior (basicauth's noindex policy) */
  responseHeadersPolicyId?: string;
}

/** One custom origin, the edge function on the default behavior. */
export function distributionConfigXml(d: NewDistribution): string {
  const policy = d.origin.protocol === 'http' ? 'http-only' : 'https-only';
  return [
    `<DistributionConfig xmlns="${CLOUDFRONT_NS}">`,
    `<CallerReference>${escapeXml(d.callerReference)}</CallerReference>`,
    '<Origins><Quantity>1</Quantity><Items><Origin>',
    `<Id>origin</Id><DomainName>${escapeXml(d.origin.domainName)}</DomainName>`,
    `<CustomOriginConfig><HTTPPort>${d.origin.protocol === 'http' ? d.origin.port : 80}</HTTPPort><HTTPSPort>${d.origin.protocol === 'https' ? d.origin.port : 443}</HTTPSPort>`,
    `<OriginProtocolPolicy>${policy}</OriginProtocolPolicy><OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols></CustomOriginConfig>`,
    '</Origin></Items></Origins>',
    '<DefaultCacheBehavior><TargetOriginId>origin</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>',
    '<AllowedMethods><Quantity>7</Quantity><Items><Method>GET</Method><Method>HEAD</Method><Method>OPTIONS</Method><Method>PUT</Method><Method>POST</Method><Method>PATCH</Method><Method>DELETE</Method></Items>',
    '<CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></CachedMethods></AllowedMethods>',
    '<Compress>true</Compress>',
    d.viewerRequestArn
      ? `<LambdaFunctionAssociations><Quantity>1</Quantity><Items><LambdaFunctionAssociation><LambdaFunctionARN>${escapeXml(d.viewerRequestArn)}</LambdaFunctionARN><EventType>viewer-request</EventType><IncludeBody>false</IncludeBody></LambdaFunctionAssociation></Items></LambdaFunctionAssociations>`
      : '',
    d.viewerRequestFunctionArn
      ? `<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>${escapeXml(d.viewerRequestFunctionArn)}</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations>`
      : '',
    '<CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId>',
    d.responseHeadersPolicyId
      ? `<ResponseHeadersPolicyId>${escapeXml(d.responseHeadersPolicyId)}</ResponseHeadersPolicyId>`
      : '',
    '</DefaultCacheBehavior>',
    `<Comment>${escapeXml(d.comment)}</Comment>`,
    '<PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled>',
    '<HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled>',
    '</DistributionConfig>',
  ].join('');
}

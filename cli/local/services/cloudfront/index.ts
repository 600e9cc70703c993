// CloudFront over REST-XML (2020-05-31): distributions (create with tags,
// read, whole-config update with ETag/If-Match, delete once disabled and
// deployed), tags, and origin access controls. Answers are normalized as
// CloudFront returns them.

import { randomBytes } from 'node:crypto';
import { accountOf, type ServiceHost } from '../../host.js';
import {
  definePlugin,
  ServiceError,
  type OperationInput,
  type Requirement,
  type RestOutput,
  type ServicePlugin,
} from '../../plugin.js';

const LAMBDA_VERSION_ARN = /arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+:\d+/g;
import type { CloudFrontFacade } from '../../services.js';
import { escapeXml, xmlElements } from '../../xml.js';
import {
  CLOUDFRONT_NS,
  checkIfMatch,
  ConfigError,
  configToXml,
  itemsOf,
  parseXml,
  readDistributionConfig,
  routingOf,
  type EdgeRouting,
  type Node,
} from './config.js';
import { CloudFrontFunctions, type FunctionState, type KeyValueStoreState } from './functions.js';
import { OriginAccessControls, type OriginAccessControlState } from './origin-access-control.js';
import { ResponseHeadersPolicies, type ResponseHeadersPolicyState } from './response-headers-policies.js';

export interface DistributionState {
  id: string;
  arn: string;
  domainName: string;
  config: Node;
  etag: string;
  lastModified: number;
  /** the status reads InProgress until this time */
  deployedAt: number;
  tags: Array<{ Key: string; Value: string }>;
  /** the loopback port the local edge serves this distribution on */
  localPort?: number;
}

export interface CloudFrontState {
  distributions: DistributionState[];
  originAccessControls: OriginAccessControlState[];
  responseHeadersPolicies: ResponseHeadersPolicyState[];
  functions: FunctionState[];
  keyValueStores: KeyValueStoreState[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const randomId = (n: number, alphabet = ALNUM) =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const noSuchDistribution = () =>
  new ServiceError('NoSuchDistribution', 'The specified distribution does not exist.', 404);
const xmlOut = (body: string, etag?: string, status = 200, extra: Record<string, string> = {}): RestOutput => ({
  status,
  body,
  headers: { ...(etag ? { etag } : {}), ...extra },
});
const D = '/2020-05-31/distribution';

// Top-level DistributionConfig elements a DistributionSummary repeats.
const SUMMARY_FIELDS = [
  'Aliases',
  'Origins',
  'OriginGroups',
  'DefaultCacheBehavior',
  'CacheBehaviors',
  'CustomErrorResponses',
  'Comment',
  'PriceClass',
  'Enabled',
  'ViewerCertificate',
  'Restrictions',
  'WebACLId',
  'HttpVersion',
  'IsIPV6Enabled',
  'Staging',
];

export class CloudFrontService {
  readonly state: CloudFrontState;
  readonly plugin: ServicePlugin;
  readonly oac: OriginAccessControls;
  readonly responseHeaders: ResponseHeadersPolicies;
  readonly functions: CloudFrontFunctions;
  private readonly routingCache = new Map<string, { etag: string; routing: EdgeRouting }>();

  constructor(
    private readonly host: ServiceHost,
    /** how long a distribution reads InProgress after a change */
    private readonly deploySeconds: number,
  ) {
    this.state = host.store.slice<CloudFrontState>('cloudfront', () => ({
      distributions: [],
      originAccessControls: [],
      responseHeadersPolicies: [],
      functions: [],
      keyValueStores: [],
    }));
    this.migrate();
    this.oac = new OriginAccessControls(host, this.state, (id) =>
      this.state.distributions.some((d) => this.routing(d).originAccessControlIds.includes(id)),
    );
    this.responseHeaders = new ResponseHeadersPolicies(host, this.state, (id) =>
      this.state.distributions.some((d) => this.routing(d).responseHeadersPolicyIds.includes(id)),
    );
    this.functions = new CloudFrontFunctions(host, this.state, (arn) =>
      this.state.distributions.some((d) => this.routing(d).functionArns.some((f) => f.arn === arn)),
    );
    this.plugin = this.definePlugin();
  }

  /** State written before configs were kept parsed held them as XML. */
  private migrate(): void {
    this.state.functions ??= [];
    this.state.responseHeadersPolicies ??= [];
    this.state.keyValueStores ??= [];
    for (const d of this.state.distributions as Array<DistributionState & { configXml?: string }>) {
      if (d.configXml !== undefined) {
        d.config = readDistributionConfig(d.configXml).config;
        delete d.configXml;
        d.tags ??= [];
      }
    }
  }

  readonly facade: CloudFrontFacade = {
    associatedFunctionArns: () =>
      new Set(this.state.distributions.flatMap((d) => this.routing(d).lambdaArns.map((a) => a.arn))),
  };

  // ---- library API ----------------------------------------------------------

  createDistribution(xml: string, tags: Array<{ Key: string; Value: string }> = []): DistributionState {
    const { config, tags: bodyTags } = this.read(xml);
    const routing = this.validate(config);
    if (this.state.distributions.some((d) => this.routing(d).callerReference === routing.callerReference)) {
      throw new ServiceError(
        'DistributionAlreadyExists',
        'The caller reference that you are using to create a distribution is associated with another distribution.',
        409,
      );
    }
    const id = `E${randomId(13)}`;
    const now = this.host.now();
    const d: DistributionState = {
      id,
      arn: `arn:aws:cloudfront::${accountOf(this.host)}:distribution/${id}`,
      domainName: `d${randomId(13, 'abcdefghijklmnopqrstuvwxyz0123456789')}.cloudfront.net`,
      config,
      etag: `E${randomId(13)}`,
      lastModified: now,
      deployedAt: now + this.deploySeconds * 1000,
      tags: [...bodyTags, ...tags],
    };
    this.state.distributions.push(d);
    this.host.store.save();
    this.host.emit({ type: 'distribution', id, change: 'created' });
    return d;
  }

  /** The DistributionConfig as GetDistributionConfig returns it. */
  configXml(d: DistributionState): string {
    return configToXml(d.config).replace('<DistributionConfig>', `<DistributionConfig xmlns="${CLOUDFRONT_NS}">`);
  }

  find(id: string): DistributionState {
    const d = this.state.distributions.find((x) => x.id === id);
    if (!d) throw noSuchDistribution();
    return d;
  }

  status(d: DistributionState): 'InProgress' | 'Deployed' {
    return this.host.now() < d.deployedAt ? 'InProgress' : 'Deployed';
  }

  /** The parsed routing of a distribution, cached per ETag. */
  routing(d: DistributionState): EdgeRouting {
    const cached = this.routingCache.get(d.id);
    if (cached?.etag === d.etag) return cached.routing;
    const routing = routingOf(d.config);
    this.routingCache.set(d.id, { etag: d.etag, routing });
    return routing;
  }

  update(id: string, ifMatch: string | undefined, xml: string): DistributionState {
    return this.updateConfig(id, ifMatch, this.read(xml).config);
  }

  /** Replaces the whole config (already normalized), as UpdateDistribution does. */
  updateConfig(id: string, ifMatch: string | undefined, config: Node): DistributionState {
    const d = this.find(id);
    checkIfMatch(d.etag, ifMatch);
    const routing = this.validate(config);
    if (routing.callerReference !== this.routing(d).callerReference)
      throw new ServiceError('IllegalUpdate', 'Origin and CallerReference cannot be updated.');
    const now = this.host.now();
    d.config = config;
    d.etag = `E${randomId(13)}`;
    d.lastModified = now;
    d.deployedAt = now + this.deploySeconds * 1000;
    this.host.store.save();
    this.host.emit({ type: 'distribution', id, change: 'updated' });
    return d;
  }

  delete(id: string, ifMatch: string | undefined): void {
    const d = this.find(id);
    checkIfMatch(d.etag, ifMatch);
    if (this.routing(d).enabled || this.status(d) !== 'Deployed') {
      throw new ServiceError(
        'DistributionNotDisabled',
        'The distribution you are trying to delete has not been disabled.',
        409,
      );
    }
    this.state.distributions = this.state.distributions.filter((x) => x !== d);
    this.routingCache.delete(id);
    this.host.store.save();
    this.host.emit({ type: 'distribution', id, change: 'deleted' });
  }

  private read(xml: string): ReturnType<typeof readDistributionConfig> {
    try {
      return readDistributionConfig(xml);
    } catch (error) {
      if (error instanceof ConfigError) throw new ServiceError(error.code, error.message);
      throw error;
    }
  }

  private validate(config: Node): EdgeRouting {
    let routing: EdgeRouting;
    try {
      routing = routingOf(config);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new ServiceError(error.code, error.message, error.code === 'NoSuchOrigin' ? 404 : 400);
      throw error;
    }
    for (const id of routing.originAccessControlIds) {
      if (!this.state.originAccessControls.some((o) => o.id === id))
        throw new ServiceError('NoSuchOriginAccessControl', `The origin access control ${id} does not exist.`, 404);
    }
    for (const id of routing.responseHeadersPolicyIds) {
      if (!this.responseHeaders.exists(id))
        throw new ServiceError('NoSuchResponseHeadersPolicy', 'The response headers policy does not exist.', 404);
    }
    for (const { arn, eventType } of routing.functionArns) {
      if (eventType !== 'viewer-request' && eventType !== 'viewer-response') {
        throw new ServiceError(
          'InvalidFunctionAssociation',
          `CloudFront functions run on viewer events only; ${eventType} is not one.`,
        );
      }
      const fn = this.state.functions.find((f) => f.arn === arn);
      if (!fn?.live)
        throw new ServiceError(
          'InvalidFunctionAssociation',
          `The function ${arn} does not exist or is not published (LIVE).`,
        );
    }
    for (const { arn, eventType } of routing.lambdaArns) {
      if (!['viewer-request', 'viewer-response', 'origin-request', 'origin-response'].includes(eventType)) {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The event type ${eventType} is not valid.`);
      }
      if (!/^arn:aws:lambda:us-east-1:\d{12}:function:[^:]+:\d+$/.test(arn)) {
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function ARN must reference a specific function version in us-east-1. (The ARN must end with the version number.) ARN: ${arn}`,
        );
      }
      const version = this.host.services.lambda.version(arn);
      if (!version)
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function does not exist or you do not have permission to access it. ARN: ${arn}`,
        );
      // AWS's words (seen in goldstack#18, mdn/yari#6194): a version just published is Pending for a moment
      if (version.state === 'Pending')
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function must be in an Active state. The current state for function ${arn} is Pending`,
        );
      if (version.environment && Object.keys(version.environment).length > 0) {
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function cannot have environment variables. Function: ${arn}`,
        );
      }
      if (eventType.startsWith('viewer') && version.timeout > 5) {
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function execution time must be less than or equal to 5 seconds for viewer event triggers. Function: ${arn}`,
        );
      }
      if (eventType.startsWith('viewer') && version.memorySize > 128) {
        throw new ServiceError(
          'InvalidLambdaFunctionAssociation',
          `The function memory size must be less than or equal to 128 MB for viewer event triggers. Function: ${arn}`,
        );
      }
    }
    return routing;
  }

  // ---- wire ---------------------------------------------------------------------

  distributionXml(d: DistributionState): string {
    return (
      `<Distribution xmlns="${CLOUDFRONT_NS}">` +
      `<Id>${d.id}</Id><ARN>${d.arn}</ARN><Status>${this.status(d)}</Status>` +
      `<LastModifiedTime>${new Date(d.lastModified).toISOString()}</LastModifiedTime>` +
      `<InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>${d.domainName}</DomainName>` +
      '<ActiveTrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedSigners>' +
      '<ActiveTrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedKeyGroups>' +
      `${configToXml(d.config)}</Distribution>`
    );
  }

  private listXml(): string {
    const summaries = this.state.distributions.map((d) => {
      const fields = Object.fromEntries(
        SUMMARY_FIELDS.filter((f) => d.config[f] !== undefined).map((f) => [f, d.config[f]]),
      );
      return `<DistributionSummary><Id>${d.id}</Id><ARN>${d.arn}</ARN><ETag>${d.etag}</ETag><Status>${this.status(d)}</Status><LastModifiedTime>${new Date(d.lastModified).toISOString()}</LastModifiedTime><DomainName>${d.domainName}</DomainName>${xmlElements(fields, 'repeat')}</DistributionSummary>`;
    });
    return (
      `<DistributionList xmlns="${CLOUDFRONT_NS}"><Marker></Marker><MaxItems>100</MaxItems>` +
      `<IsTruncated>false</IsTruncated><Quantity>${summaries.length}</Quantity>` +
      (summaries.length ? `<Items>${summaries.join('')}</Items>` : '') +
      '</DistributionList>'
    );
  }

  private byArn(i: OperationInput): DistributionState {
    const arn = i.$request.query.get('Resource') ?? '';
    const d = this.state.distributions.find((x) => x.arn === arn);
    if (!d) throw new ServiceError('NoSuchResource', `The specified resource ${arn} does not exist.`, 404);
    return d;
  }

  /** What CloudFront asks of Lambda for each Lambda@Edge version a distribution change adds or removes. */
  private lambdaEdgeRequirements(distributionId: string, body: string): Requirement[] {
    const before = new Set(
      JSON.stringify(this.state.distributions.find((d) => d.id === distributionId)?.config ?? {}).match(
        LAMBDA_VERSION_ARN,
      ) ?? [],
    );
    const after = new Set(body.match(LAMBDA_VERSION_ARN) ?? []);
    return [
      ...[...after]
        .filter((arn) => !before.has(arn))
        .flatMap((arn) => [
          { action: 'lambda:GetFunction', resource: arn },
          { action: 'lambda:EnableReplication*', resource: arn },
        ]),
      ...[...before]
        .filter((arn) => !after.has(arn))
        .map((arn) => ({ action: 'lambda:DisableReplication*', resource: arn })),
    ];
  }

  private definePlugin(): ServicePlugin {
    const body = (i: OperationInput) => i.$request.body.toString('utf8');
    const created = (d: DistributionState) =>
      xmlOut(this.distributionXml(d), d.etag, 201, { location: `https://cloudfront.amazonaws.com${D}/${d.id}` });
    const tagsXml = (tags: DistributionState['tags']) =>
      `<Tags xmlns="${CLOUDFRONT_NS}"><Items>${tags.map((t) => `<Tag><Key>${escapeXml(t.Key)}</Key><Value>${escapeXml(t.Value)}</Value></Tag>`).join('')}</Items></Tags>`;
    return definePlugin({
      name: 'cloudfront',
      terraformEndpoint: 'cloudfront',
      protocol: 'rest-xml',
      target: CLOUDFRONT_NS,
      resourceOf: (operation, i) => {
        const account = accountOf(this.host);
        if (i.Id !== undefined && /Distribution/.test(operation))
          return `arn:aws:cloudfront::${account}:distribution/${i.Id}`;
        if (i.Name !== undefined && /KeyValueStore/.test(operation)) return this.functions.store(i.Name).arn;
        if (i.Name !== undefined) return `arn:aws:cloudfront::${account}:function/${i.Name}`;
        return '*';
      },
      impliedRequirements: (operation, i) =>
        operation === 'UpdateDistribution' || operation.startsWith('CreateDistribution')
          ? this.lambdaEdgeRequirements(String(i.Id ?? ''), i.$request.body.toString('utf8'))
          : [],
      routes: [
        { method: 'POST', path: D, operation: 'CreateDistributionWithTags', query: { WithTags: true } },
        { method: 'POST', path: D, operation: 'CreateDistribution' },
        { method: 'GET', path: D, operation: 'ListDistributions' },
        { method: 'GET', path: `${D}/{Id}`, operation: 'GetDistribution' },
        { method: 'DELETE', path: `${D}/{Id}`, operation: 'DeleteDistribution' },
        { method: 'GET', path: `${D}/{Id}/config`, operation: 'GetDistributionConfig' },
        { method: 'PUT', path: `${D}/{Id}/config`, operation: 'UpdateDistribution' },
        { method: 'GET', path: '/2020-05-31/tagging', operation: 'ListTagsForResource' },
        { method: 'POST', path: '/2020-05-31/tagging', operation: 'TagResource', query: { Operation: 'Tag' } },
        { method: 'POST', path: '/2020-05-31/tagging', operation: 'UntagResource', query: { Operation: 'Untag' } },
        ...this.oac.routes,
        ...this.responseHeaders.routes,
        ...this.functions.routes,
      ],
      operations: {
        CreateDistribution: (i) => created(this.createDistribution(body(i))),
        CreateDistributionWithTags: (i) => created(this.createDistribution(body(i))),
        ListDistributions: () => xmlOut(this.listXml()),
        GetDistribution: (i) => {
          const d = this.find(String(i.Id));
          return xmlOut(this.distributionXml(d), d.etag);
        },
        GetDistributionConfig: (i) => {
          const d = this.find(String(i.Id));
          return xmlOut(this.configXml(d), d.etag);
        },
        UpdateDistribution: (i) => {
          const d = this.update(String(i.Id), i.$request.headers['if-match'] as string | undefined, body(i));
          return xmlOut(this.distributionXml(d), d.etag);
        },
        DeleteDistribution: (i) => {
          this.delete(String(i.Id), i.$request.headers['if-match'] as string | undefined);
          return { status: 204 };
        },
        ListTagsForResource: (i) => xmlOut(tagsXml(this.byArn(i).tags)),
        TagResource: (i) => {
          const d = this.byArn(i);
          const add = itemsOf(parseXml(body(i)).Tags, 'Tag').map((t) => ({
            Key: String(t.Key ?? ''),
            Value: String(t.Value ?? ''),
          }));
          d.tags = [...d.tags.filter((t) => !add.some((a) => a.Key === t.Key)), ...add];
          this.host.store.save();
          return { status: 204 };
        },
        UntagResource: (i) => {
          const d = this.byArn(i);
          const keys = itemsOf(parseXml(body(i)).TagKeys, 'Key').map(String);
          d.tags = d.tags.filter((t) => !keys.includes(t.Key));
          this.host.store.save();
          return { status: 204 };
        },
        ...this.oac.operations,
        ...this.responseHeaders.operations,
        ...this.functions.operations,
      },
    });
  }
}

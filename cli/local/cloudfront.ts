// CloudFront over REST-XML (2020-05-31): the distribution reads and the
// whole-config update with ETag/If-Match that basicauth uses.

import { randomBytes } from 'node:crypto';
import { CLOUDFRONT_NS, ConfigError, parseDistributionConfig, type EdgeRouting } from './cloudfront-config.js';
import { ServiceError } from './protocol.js';
import type { Lambda } from './lambda.js';
import type { DistributionState, StateStore } from './state.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomId = (n: number, alphabet = ALNUM) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const noSuchDistribution = () => new ServiceError('NoSuchDistribution', 'The specified distribution does not exist.', 404);

// Top-level DistributionConfig elements that a DistributionSummary repeats.
const SUMMARY_FIELDS = ['Aliases', 'Origins', 'OriginGroups', 'DefaultCacheBehavior', 'CacheBehaviors', 'CustomErrorResponses', 'Comment', 'PriceClass', 'Enabled', 'ViewerCertificate', 'Restrictions', 'WebACLId', 'HttpVersion', 'IsIPV6Enabled', 'Staging'];

/** The direct children of the root element, by name, as raw XML (machine-written XML: no comments or CDATA). */
function topLevelElements(xml: string): Map<string, string> {
  const children = new Map<string, string>();
  const tag = /<(\/?)([A-Za-z][\w.-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  let start = 0;
  let name = '';
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (m[0].startsWith('<?')) continue;
    const [, closing, tagName, selfClosing] = m;
    if (closing) {
      depth -= 1;
      if (depth === 1) children.set(name, xml.slice(start, m.index + m[0].length));
    } else if (selfClosing) {
      if (depth === 1) children.set(tagName!, m[0]);
    } else {
      if (depth === 1) [start, name] = [m.index, tagName!];
      depth += 1;
    }
  }
  return children;
}

const innerConfig = (xml: string) => xml.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<DistributionConfig[^>]*>/, '<DistributionConfig>');

export class CloudFront {
  private readonly routingCache = new Map<string, { etag: string; routing: EdgeRouting }>();

  constructor(
    private readonly store: StateStore,
    private readonly lambda: Lambda,
    /** how long a distribution reads InProgress after a change */
    private readonly deploySeconds: number,
    private readonly onChange: () => void = () => {},
  ) {}

  // ---- library API --------------------------------------------------------

  createDistribution(configXml: string): DistributionState {
    const routing = this.validate(configXml);
    const state = this.store.state;
    if (state.distributions.some((d) => parseDistributionConfig(d.configXml).callerReference === routing.callerReference)) {
      throw new ServiceError('DistributionAlreadyExists', 'The caller reference that you are using to create a distribution is associated with another distribution.', 409);
    }
    const id = `E${randomId(13)}`;
    const now = Date.now();
    const d: DistributionState = {
      id,
      arn: `arn:aws:cloudfront::${state.accountId}:distribution/${id}`,
      domainName: `d${randomId(13, 'abcdefghijklmnopqrstuvwxyz0123456789')}.cloudfront.net`,
      configXml: configXml.replace(/^<\?xml[^>]*>\s*/, ''),
      etag: `E${randomId(13)}`,
      lastModified: now,
      deployedAt: now + this.deploySeconds * 1000,
    };
    state.distributions.push(d);
    this.store.save();
    this.onChange();
    return d;
  }

  find(id: string): DistributionState {
    const d = this.store.state.distributions.find((x) => x.id === id);
    if (!d) throw noSuchDistribution();
    return d;
  }

  status(d: DistributionState): 'InProgress' | 'Deployed' {
    return Date.now() < d.deployedAt ? 'InProgress' : 'Deployed';
  }

  /** The parsed routing of a distribution, cached per ETag. */
  routing(d: DistributionState): EdgeRouting {
    const cached = this.routingCache.get(d.id);
    if (cached?.etag === d.etag) return cached.routing;
    const routing = parseDistributionConfig(d.configXml);
    this.routingCache.set(d.id, { etag: d.etag, routing });
    return routing;
  }

  private validate(xml: string, previous?: EdgeRouting): EdgeRouting {
    let routing: EdgeRouting;
    try {
      routing = parseDistributionConfig(xml);
    } catch (error) {
      if (error instanceof ConfigError) throw new ServiceError('MalformedInput', error.message);
      throw error;
    }
    if (previous && previous.callerReference !== routing.callerReference) {
      throw new ServiceError('IllegalUpdate', 'Origin and CallerReference cannot be updated.');
    }
    for (const { arn, eventType } of routing.lambdaArns) {
      if (!['viewer-request', 'viewer-response', 'origin-request', 'origin-response'].includes(eventType)) {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The event type ${eventType} is not valid.`);
      }
      const m = /^arn:aws:lambda:us-east-1:\d{12}:function:([^:]+):(\d+)$/.exec(arn);
      if (!m) {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The function ARN must reference a specific function version in us-east-1. (The ARN must end with the version number.) ARN: ${arn}`);
      }
      let version;
      try {
        version = this.lambda.resolve(m[1]!, m[2]).version;
      } catch {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The function does not exist or you do not have permission to access it. ARN: ${arn}`);
      }
      if (version.environment && Object.keys(version.environment).length > 0) {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The function cannot have environment variables. Function: ${arn}`);
      }
      if (eventType.startsWith('viewer') && version.timeout > 5) {
        throw new ServiceError('InvalidLambdaFunctionAssociation', `The function execution time must be less than or equal to 5 seconds for viewer event triggers. Function: ${arn}`);
      }
    }
    return routing;
  }

  // ---- wire API (XML bodies) ------------------------------------------------

  distributionXml(d: DistributionState): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<Distribution xmlns="${CLOUDFRONT_NS}">` +
      `<Id>${d.id}</Id><ARN>${d.arn}</ARN><Status>${this.status(d)}</Status>` +
      `<LastModifiedTime>${new Date(d.lastModified).toISOString()}</LastModifiedTime>` +
      `<InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>${d.domainName}</DomainName>` +
      '<ActiveTrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedSigners>' +
      '<ActiveTrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedKeyGroups>' +
      `${innerConfig(d.configXml)}</Distribution>`
    );
  }

  configXml(d: DistributionState): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${d.configXml}`;
  }

  listXml(): string {
    const summaries = this.store.state.distributions.map((d) => {
      const children = topLevelElements(d.configXml);
      const fields = SUMMARY_FIELDS.map((f) => children.get(f) ?? '').join('');
      return `<DistributionSummary><Id>${d.id}</Id><ARN>${d.arn}</ARN><ETag>${d.etag}</ETag><Status>${this.status(d)}</Status><LastModifiedTime>${new Date(d.lastModified).toISOString()}</LastModifiedTime><DomainName>${d.domainName}</DomainName>${fields}</DistributionSummary>`;
    });
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<DistributionList xmlns="${CLOUDFRONT_NS}"><Marker></Marker><MaxItems>100</MaxItems>` +
      `<IsTruncated>false</IsTruncated><Quantity>${summaries.length}</Quantity>` +
      (summaries.length ? `<Items>${summaries.join('')}</Items>` : '') +
      '</DistributionList>'
    );
  }

  update(id: string, ifMatch: string | undefined, body: string): DistributionState {
    const d = this.find(id);
    if (!ifMatch) throw new ServiceError('InvalidIfMatchVersion', 'The If-Match version is missing or not valid for the resource.');
    if (ifMatch !== d.etag) throw new ServiceError('PreconditionFailed', 'The precondition given in one or more of the request header fields evaluated to false.', 412);
    this.validate(body, this.routing(d));
    const now = Date.now();
    d.configXml = body.replace(/^<\?xml[^>]*>\s*/, '');
    d.etag = `E${randomId(13)}`;
    d.lastModified = now;
    d.deployedAt = now + this.deploySeconds * 1000;
    this.store.save();
    this.onChange();
    return d;
  }
}

// CloudFront response headers policies (what CloudFront adds to, or removes
// from, the responses it sends viewers): create, read, update with ETag,
// delete unless a cache behavior uses it, list. The local edge applies a
// policy's custom and removed headers to the responses it serves from the
// origin, as CloudFront does ("CloudFront modifies the headers in the responses
// that it serves from the cache and the ones that it forwards from the
// origin", Developer Guide, Adding or removing HTTP headers in CloudFront
// responses); CORS, security and Server-Timing sections are kept and echoed,
// not applied.

import { randomUUID } from 'node:crypto';
import type { ServiceHost } from '../../host.js';
import { ServiceError, type Operation, type OperationInput, type RestOutput, type Route } from '../../plugin.js';
import { xmlElements } from '../../xml.js';
import { checkIfMatch, CLOUDFRONT_NS, itemsOf, parseXml, type Node } from './config.js';

export interface ResponseHeadersPolicyState {
  id: string;
  etag: string;
  lastModified: number;
  /** the ResponseHeadersPolicyConfig as given (parsed) */
  config: Node;
}

/** What the edge does with a policy: headers to set (or add when the origin sent none), headers to drop. */
export interface ResponseHeaderRules {
  custom: Array<{ header: string; value: string; override: boolean }>;
  remove: string[];
}

const P = '/2020-05-31/response-headers-policy';
// "Custom headers: 10 per response headers policy" (CloudFront quotas, response headers policies)
const MAX_CUSTOM_HEADERS = 10;
const NAME = /^[A-Za-z0-9_-]{1,128}$/;
// RFC 9110 token
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// Headers CloudFront will not let a policy add or remove (Developer Guide, "Custom headers" and "Remove headers")
const RESERVED = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
  'warning',
  'x-accel-buffering',
  'x-accel-charset',
  'x-accel-limit-rate',
  'x-accel-redirect',
  'x-cache',
  'x-forwarded-proto',
  'x-real-ip',
]);

const noSuch = () =>
  new ServiceError('NoSuchResponseHeadersPolicy', 'The response headers policy does not exist.', 404);
const invalid = (message: string) => new ServiceError('InvalidArgument', message, 400);
const newEtag = () => randomUUID().replace(/-/g, '').slice(0, 14).toUpperCase();

export class ResponseHeadersPolicies {
  constructor(
    private readonly host: ServiceHost,
    private readonly state: { responseHeadersPolicies: ResponseHeadersPolicyState[] },
    private readonly inUse: (id: string) => boolean,
  ) {}

  readonly routes: Route[] = [
    { method: 'POST', path: P, operation: 'CreateResponseHeadersPolicy' },
    { method: 'GET', path: P, operation: 'ListResponseHeadersPolicies' },
    { method: 'GET', path: `${P}/{Id}`, operation: 'GetResponseHeadersPolicy' },
    { method: 'GET', path: `${P}/{Id}/config`, operation: 'GetResponseHeadersPolicyConfig' },
    { method: 'PUT', path: `${P}/{Id}`, operation: 'UpdateResponseHeadersPolicy' },
    { method: 'DELETE', path: `${P}/{Id}`, operation: 'DeleteResponseHeadersPolicy' },
  ];

  exists(id: string): boolean {
    return this.state.responseHeadersPolicies.some((p) => p.id === id);
  }

  /** The headers the edge adds and removes for a policy (undefined: no such policy). */
  rules(id: string): ResponseHeaderRules | undefined {
    const policy = this.state.responseHeadersPolicies.find((p) => p.id === id);
    if (!policy) return undefined;
    return {
      custom: itemsOf(policy.config.CustomHeadersConfig, 'ResponseHeadersPolicyCustomHeader').map((h) => ({
        header: String(h.Header),
        value: String(h.Value ?? ''),
        override: String(h.Override) === 'true',
      })),
      remove: itemsOf(policy.config.RemoveHeadersConfig, 'ResponseHeadersPolicyRemoveHeader').map((h) =>
        String(h.Header).toLowerCase(),
      ),
    };
  }

  /** The policy a caller's code creates directly (basicauth dev's own site), as CreateResponseHeadersPolicy would. */
  ensure(name: string, config: Node): ResponseHeadersPolicyState {
    const existing = this.state.responseHeadersPolicies.find((p) => p.config.Name === name);
    const checked = this.check({ ...config, Name: name });
    if (existing) {
      if (JSON.stringify(existing.config) !== JSON.stringify(checked))
        Object.assign(existing, { config: checked, etag: newEtag(), lastModified: this.host.now() });
      this.host.store.save();
      return existing;
    }
    const policy = { id: randomUUID(), etag: newEtag(), lastModified: this.host.now(), config: checked };
    this.state.responseHeadersPolicies.push(policy);
    this.host.store.save();
    return policy;
  }

  private find(id: unknown): ResponseHeadersPolicyState {
    const policy = this.state.responseHeadersPolicies.find((p) => p.id === id);
    if (!policy) throw noSuch();
    return policy;
  }

  /** The documented rules of a ResponseHeadersPolicyConfig that basicauth's policies (and a user's) meet. */
  private check(config: Node | undefined): Node {
    if (!config || typeof config !== 'object') throw new ServiceError('MalformedInput', 'Unexpected list type');
    const name = config.Name;
    if (typeof name !== 'string' || !NAME.test(name))
      throw invalid(
        'The parameter ResponseHeadersPolicyConfig.Name is required, with at most 128 letters, digits, hyphens and underscores.',
      );
    const sections = [
      'CorsConfig',
      'SecurityHeadersConfig',
      'ServerTimingHeadersConfig',
      'CustomHeadersConfig',
      'RemoveHeadersConfig',
    ];
    for (const key of Object.keys(config))
      if (key !== 'Name' && key !== 'Comment' && !sections.includes(key))
        throw new ServiceError('MalformedInput', `Unexpected element ${key} in ResponseHeadersPolicyConfig`);
    const listed = (section: string, member: string) => {
      const node = config[section] as Node | undefined;
      if (node === undefined) return [];
      const items = itemsOf(node, member);
      if (String(node.Quantity) !== String(items.length))
        throw new ServiceError(
          'InconsistentQuantities',
          `The value of Quantity and the size of Items don't match for ${section}.`,
        );
      return items;
    };
    const custom = listed('CustomHeadersConfig', 'ResponseHeadersPolicyCustomHeader');
    if (custom.length > MAX_CUSTOM_HEADERS)
      throw new ServiceError(
        'TooManyCustomHeadersInResponseHeadersPolicy',
        `Your request contains too many custom headers. The maximum number of custom headers in a response headers policy is ${MAX_CUSTOM_HEADERS}.`,
      );
    const seen = new Set<string>();
    for (const h of custom) {
      const header = String(h.Header ?? '');
      if (!HEADER.test(header) || RESERVED.has(header.toLowerCase()))
        throw invalid(`The header ${header} is not a valid custom header name for a response headers policy.`);
      if (seen.has(header.toLowerCase())) throw invalid(`The custom header ${header} appears more than once.`);
      seen.add(header.toLowerCase());
      if (typeof h.Value !== 'string' || h.Value.length === 0 || h.Value.length > 1783)
        throw invalid(`The value of the custom header ${header} must be 1 to 1783 characters.`);
      if (h.Override !== 'true' && h.Override !== 'false')
        throw invalid(`The custom header ${header} needs Override true or false.`);
    }
    for (const h of listed('RemoveHeadersConfig', 'ResponseHeadersPolicyRemoveHeader')) {
      const header = String(h.Header ?? '');
      if (!HEADER.test(header) || RESERVED.has(header.toLowerCase()))
        throw invalid(`The header ${header} cannot be removed by a response headers policy.`);
    }
    return config;
  }

  private readConfig(i: OperationInput): Node {
    return this.check(parseXml(i.$request.body.toString('utf8')).ResponseHeadersPolicyConfig as Node | undefined);
  }

  private configXml(p: ResponseHeadersPolicyState, ns = false): string {
    return `<ResponseHeadersPolicyConfig${ns ? ` xmlns="${CLOUDFRONT_NS}"` : ''}>${xmlElements(p.config, 'repeat')}</ResponseHeadersPolicyConfig>`;
  }

  private policyXml(p: ResponseHeadersPolicyState, ns = true): string {
    return `<ResponseHeadersPolicy${ns ? ` xmlns="${CLOUDFRONT_NS}"` : ''}><Id>${p.id}</Id><LastModifiedTime>${new Date(p.lastModified).toISOString()}</LastModifiedTime>${this.configXml(p)}</ResponseHeadersPolicy>`;
  }

  private out(p: ResponseHeadersPolicyState, status = 200, extra: Record<string, string> = {}): RestOutput {
    return { status, body: this.policyXml(p), headers: { etag: p.etag, ...extra } };
  }

  private ifMatch(i: OperationInput, p: { etag: string }): void {
    checkIfMatch(p.etag, i.$request.headers['if-match']);
  }

  private nameTaken(name: unknown, except?: ResponseHeadersPolicyState): void {
    if (this.state.responseHeadersPolicies.some((p) => p !== except && p.config.Name === name))
      throw new ServiceError(
        'ResponseHeadersPolicyAlreadyExists',
        'A response headers policy with this name already exists. You must provide a unique name. To modify an existing response headers policy, use UpdateResponseHeadersPolicy.',
        409,
      );
  }

  readonly operations: Record<string, Operation> = {
    CreateResponseHeadersPolicy: (i) => {
      const config = this.readConfig(i);
      this.nameTaken(config.Name);
      const policy = { id: randomUUID(), etag: newEtag(), lastModified: this.host.now(), config };
      this.state.responseHeadersPolicies.push(policy);
      this.host.store.save();
      return this.out(policy, 201, { location: `https://cloudfront.amazonaws.com${P}/${policy.id}` });
    },
    GetResponseHeadersPolicy: (i) => this.out(this.find(i.Id)),
    GetResponseHeadersPolicyConfig: (i) => {
      const policy = this.find(i.Id);
      return { status: 200, body: this.configXml(policy, true), headers: { etag: policy.etag } };
    },
    UpdateResponseHeadersPolicy: (i) => {
      const policy = this.find(i.Id);
      this.ifMatch(i, policy);
      const config = this.readConfig(i);
      this.nameTaken(config.Name, policy);
      Object.assign(policy, { config, etag: newEtag(), lastModified: this.host.now() });
      this.host.store.save();
      return this.out(policy);
    },
    DeleteResponseHeadersPolicy: (i) => {
      const policy = this.find(i.Id);
      this.ifMatch(i, policy);
      if (this.inUse(policy.id))
        throw new ServiceError(
          'ResponseHeadersPolicyInUse',
          'Cannot delete the response headers policy because it is attached to one or more cache behaviors in a CloudFront distribution.',
          409,
        );
      this.state.responseHeadersPolicies = this.state.responseHeadersPolicies.filter((p) => p !== policy);
      this.host.store.save();
      return { status: 204 };
    },
    ListResponseHeadersPolicies: (i) => {
      // no managed policies here: Type=managed lists none
      const policies = i.$request.query.get('Type') === 'managed' ? [] : this.state.responseHeadersPolicies;
      const items = policies
        .map(
          (p) =>
            `<ResponseHeadersPolicySummary><Type>custom</Type>${this.policyXml(p, false)}</ResponseHeadersPolicySummary>`,
        )
        .join('');
      return {
        status: 200,
        body: `<ResponseHeadersPolicyList xmlns="${CLOUDFRONT_NS}"><MaxItems>100</MaxItems><Quantity>${policies.length}</Quantity>${policies.length ? `<Items>${items}</Items>` : ''}</ResponseHeadersPolicyList>`,
      };
    },
  };
}

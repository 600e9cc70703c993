// The local edge: does what CloudFront does with a viewer-request function.
// It builds the documented event, runs the function version the matching
// cache behavior points to, and either sends the generated response or
// forwards the (possibly changed) request to the origin, streaming both ways.

import { randomBytes } from 'node:crypto';
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LocalCloud } from './cloud.js';
import { CloudFrontFunctionError, SLOW_MS, type CloudFrontFunction } from './cloudfront-functions.js';
import { functionEvent, requestFromFunction, responseFromFunction } from './function-event.js';
import type { ResponseHeaderRules } from './services/cloudfront/response-headers-policies.js';
import type { EdgeOrigin } from './services/cloudfront/config.js';
import { FunctionError } from './services/lambda/runtime.js';
import { normalizedPath } from './uri.js';

type HeaderMap = Record<string, Array<{ key?: string; value: string }>>;

interface ViewerRequest {
  clientIp: string;
  headers: HeaderMap;
  method: string;
  querystring: string;
  uri: string;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
]);
// CloudFront refuses generated responses over 40 KB for viewer triggers.
const MAX_GENERATED_BODY = 40 * 1024;

/** One request as the local edge saw it (never a credential). */
export interface EdgeRequestLine {
  method: string;
  uri: string;
  status: number;
  ms: number;
  distributionId?: string;
  /** the function instance that decided (function:version#n, or the CloudFront function's name), when one ran */
  instance?: string;
  /** a CloudFront function's time inside its runtime, ms */
  computeMs?: number;
  /** what the edge saw: the function's answer and whether credentials came with the request */
  outcome?:
    | 'allowed'
    | 'allowed-without-credentials'
    | 'challenged'
    | 'refused'
    | 'unavailable'
    | 'answered'
    | 'not-protected'
    | 'error';
}

export interface LocalEdgeOptions {
  cloud: LocalCloud;
  distributionId: string;
  port?: number;
  /** told about each request */
  onRequest?: (line: EdgeRequestLine) => void;
}

export class LocalEdge {
  private server: Server | undefined;
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  url = '';

  private constructor(private readonly o: LocalEdgeOptions) {}

  static async start(options: LocalEdgeOptions): Promise<LocalEdge> {
    const edge = new LocalEdge(options);
    const server = createServer((req, res) => void edge.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, '127.0.0.1', resolve);
    });
    edge.server = server;
    edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return edge;
  }

  async stop(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const seen: Pick<EdgeRequestLine, 'instance' | 'outcome' | 'computeMs'> = {};
    res.on('finish', () =>
      this.o.onRequest?.({
        method: req.method ?? '',
        uri: (req.url ?? '').split('?')[0]!,
        status: res.statusCode,
        ms: performance.now() - started,
        distributionId: this.o.distributionId,
        ...seen,
      }),
    );
    try {
      const { cloudfront, lambda } = this.o.cloud;
      const distribution = cloudfront.find(this.o.distributionId);
      const routing = cloudfront.routing(distribution);
      if (!routing.enabled) return errorPage(res, 403, 'Error', 'The distribution is disabled.');
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const uri = q === -1 ? rawUrl : rawUrl.slice(0, q);
      // As CloudFront: behaviors match the RFC 3986-normalized path; the function gets the URI as sent.
      const path = normalizedPath(uri);
      const behavior = routing.behaviors.find((b) => b.matches(path)) ?? routing.defaultBehavior;
      let request: ViewerRequest = {
        clientIp: clientIp(req),
        headers: viewerHeaders(req),
        method: req.method ?? 'GET',
        querystring: q === -1 ? '' : rawUrl.slice(q + 1),
        uri,
      };
      if (behavior.viewerRequestArn) {
        const event = {
          Records: [
            {
              cf: {
                config: {
                  distributionDomainName: distribution.domainName,
                  distributionId: distribution.id,
                  eventType: 'viewer-request',
                  requestId: randomBytes(42).toString('base64url'),
                },
                request,
              },
            },
          ],
        };
        let result: unknown;
        try {
          result = await lambda.facade.invokeAtEdge(behavior.viewerRequestArn, event, seen);
        } catch (error) {
          seen.outcome = 'error';
          if (error instanceof FunctionError)
            return errorPage(
              res,
              503,
              'LambdaExecutionError',
              `The Lambda function associated with the CloudFront distribution failed: ${error.errorType}.`,
            );
          throw error;
        }
        if (result && typeof result === 'object' && 'status' in result) {
          seen.outcome = outcomeOf(req, Number((result as { status: unknown }).status));
          return this.sendGenerated(res, result as Record<string, unknown>);
        }
        seen.outcome = outcomeOf(req, undefined);
        if (!isRequest(result))
          return errorPage(
            res,
            502,
            'LambdaValidationError',
            'The Lambda function returned an invalid request or response to CloudFront.',
          );
        request = result;
      }
      if (behavior.viewerRequestFunctionArn) {
        const context = {
          distributionDomainName: distribution.domainName,
          distributionId: distribution.id,
          requestId: randomBytes(42).toString('base64url'),
        };
        const name = behavior.viewerRequestFunctionArn.slice(behavior.viewerRequestFunctionArn.lastIndexOf('/') + 1);
        seen.instance = name;
        let run: ReturnType<CloudFrontFunction['run']>;
        try {
          run = cloudfront.functions.live(behavior.viewerRequestFunctionArn).run(functionEvent(request, context));
        } catch (error) {
          if (!(error instanceof CloudFrontFunctionError)) throw error;
          seen.outcome = 'error';
          this.functionLog(name, distribution.id, `${error.code}: ${error.message}`);
          return errorPage(
            res,
            error.code === 'FunctionValidationError' ? 502 : 503,
            error.code,
            `The CloudFront function associated with the CloudFront distribution failed: ${error.code}.`,
          );
        }
        seen.computeMs = run.computeMs;
        for (const line of run.logs) this.functionLog(name, distribution.id, line);
        if (run.computeMs > SLOW_MS)
          this.o.cloud.emit({
            type: 'function.log',
            label: name,
            line: `slow: this request took ${run.computeMs.toFixed(1)} ms in the local runtime; CloudFront stops a function past its compute budget (about 1 ms)`,
          });
        if ('statusCode' in run.result) {
          const answer = responseFromFunction(run.result);
          seen.outcome = outcomeOf(req, answer.status);
          if (answer.body.length > MAX_GENERATED_BODY)
            return errorPage(
              res,
              502,
              'FunctionValidationError',
              'The CloudFront function returned a body larger than CloudFront allows.',
            );
          if (answer.description) res.statusMessage = answer.description;
          res.writeHead(answer.status, [...answer.headers.flat(), 'content-length', String(answer.body.length)]);
          return void res.end(answer.body);
        }
        seen.outcome = outcomeOf(req, undefined);
        request = requestFromFunction(run.result, request.clientIp);
      }
      seen.outcome ??= 'not-protected';
      const origin = routing.origins.find((o) => o.id === behavior.targetOriginId) as EdgeOrigin;
      const policy = behavior.responseHeadersPolicyId
        ? cloudfront.responseHeaders.rules(behavior.responseHeadersPolicyId)
        : undefined;
      if (origin.s3) return this.fromS3(res, request, origin, distribution.arn, routing.defaultRootObject, policy);
      this.forward(req, res, request, origin, policy);
    } catch (error) {
      errorPage(res, 500, 'Error', `local edge error: ${(error as Error).message}`);
    }
  }

  /** What a CloudFront function printed: to dev's output, and to its log group in us-east-1, as CloudFront keeps them. */
  private functionLog(name: string, distributionId: string, line: string): void {
    this.o.cloud.emit({ type: 'function.log', label: name, line });
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    this.o.cloud.logs.write('us-east-1', `/aws/cloudfront/function/${name}`, `${day}/${distributionId}`, line);
  }

  private sendGenerated(res: ServerResponse, r: Record<string, unknown>): void {
    const status = Number(r.status);
    if (!Number.isInteger(status) || status < 100 || status > 599)
      return errorPage(res, 502, 'LambdaValidationError', 'The Lambda function returned an invalid status.');
    const body =
      typeof r.body === 'string'
        ? Buffer.from(r.body, r.bodyEncoding === 'base64' ? 'base64' : 'utf8')
        : Buffer.alloc(0);
    if (body.length > MAX_GENERATED_BODY)
      return errorPage(
        res,
        502,
        'LambdaValidationError',
        'The Lambda function returned a body larger than CloudFront allows for viewer triggers.',
      );
    const headers: Array<[string, string]> = [];
    for (const [name, list] of Object.entries((r.headers ?? {}) as HeaderMap)) {
      if (!Array.isArray(list))
        return errorPage(res, 502, 'LambdaValidationError', 'The Lambda function returned invalid headers.');
      for (const h of list) headers.push([h.key ?? name, String(h.value)]);
    }
    res.statusMessage = typeof r.statusDescription === 'string' ? r.statusDescription : res.statusMessage;
    res.writeHead(status, [...headers.flat(), 'content-length', String(body.length)]);
    res.end(body);
  }

  /**
   * An S3 origin: CloudFront signs the read with origin access control (or
   * reads anonymously without one) and S3 decides by the bucket policy. The
   * local S3 answers, as the bucket owner has set it up.
   */
  private fromS3(
    res: ServerResponse,
    request: ViewerRequest,
    origin: EdgeOrigin,
    distributionArn: string,
    defaultRootObject: string,
    policy: ResponseHeaderRules | undefined,
  ): void {
    const bucket = /^(.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(origin.domainName)?.[1];
    if (!bucket) return errorPage(res, 502, 'Error', `The origin ${origin.domainName} is not an S3 bucket endpoint.`);
    const oac = this.o.cloud.cloudfront.state.originAccessControls.find((o) => o.id === origin.originAccessControlId);
    const signed = oac !== undefined && oac.signingBehavior !== 'never';
    let key: string;
    try {
      key = decodeURIComponent(
        `${origin.originPath}${request.uri === '/' && defaultRootObject ? `/${defaultRootObject}` : request.uri}`.replace(
          /^\//,
          '',
        ),
      );
    } catch {
      return errorPage(res, 400, 'Error', 'The request URI is not valid.');
    }
    const answer = this.o.cloud.s3.readForOrigin(bucket, key, { distributionArn, signed });
    const headers = Object.entries({
      ...answer.headers,
      'content-length': String(answer.body.length),
      via: '1.1 local.cloudfront.net (basicauth local edge)',
    }).flat();
    res.writeHead(answer.status, withPolicy(headers, policy));
    res.end(request.method === 'HEAD' ? undefined : answer.body);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    request: ViewerRequest,
    origin: EdgeOrigin,
    policy: ResponseHeaderRules | undefined,
  ): void {
    const headers: Array<[string, string]> = [];
    for (const [name, list] of Object.entries(request.headers)) {
      if (HOP_BY_HOP.has(name) || name === 'host' || name === 'content-length' || name === 'x-forwarded-for') continue;
      for (const h of list) headers.push([h.key ?? name, h.value]);
    }
    const defaultPort = origin.protocol === 'https' ? 443 : 80;
    headers.push(['Host', origin.port === defaultPort ? origin.domainName : `${origin.domainName}:${origin.port}`]);
    const forwardedFor = request.headers['x-forwarded-for']?.map((h) => h.value).join(', ');
    headers.push(['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${request.clientIp}` : request.clientIp]);
    headers.push(['Via', '1.1 local.cloudfront.net (basicauth local edge)']);
    for (const [name, value] of origin.customHeaders) headers.push([name, value]);
    if (req.headers['content-length']) headers.push(['Content-Length', req.headers['content-length']]);
    if (req.headers['transfer-encoding']) headers.push(['Transfer-Encoding', req.headers['transfer-encoding']]);

    const send = origin.protocol === 'https' ? httpsRequest : httpRequest;
    const path = `${origin.originPath}${request.uri}${request.querystring ? `?${request.querystring}` : ''}`;
    const hasBody =
      Boolean(req.headers['content-length'] && req.headers['content-length'] !== '0') ||
      Boolean(req.headers['transfer-encoding']);
    const attempt = (left: number): void => {
      const upstream = send(
        {
          host: origin.domainName,
          port: origin.port,
          method: request.method,
          path,
          headers: headers.flat(),
          agent: this.agents[origin.protocol],
        },
        (answer) => {
          const out: string[] = [];
          for (let i = 0; i < answer.rawHeaders.length; i += 2) {
            if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase()))
              out.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
          }
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withPolicy(out, policy));
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        },
      );
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the origin closed as it was reused is no answer: like
        // CloudFront (ConnectionAttempts), try again on a fresh one when nothing was sent yet.
        const retriable =
          upstream.reusedSocket &&
          !res.headersSent &&
          !hasBody &&
          (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        if (retriable && left > 1) return attempt(left - 1);
        errorPage(res, 502, 'Error', "CloudFront wasn't able to connect to the origin.");
      });
      if (hasBody) {
        req.pipe(upstream);
        req.on('error', () => upstream.destroy());
      } else {
        upstream.end();
      }
    };
    attempt(origin.connectionAttempts);
  }
}

/**
 * A response headers policy applied to an origin's headers (flat name, value
 * pairs): removed headers go; a custom header replaces the origin's when it
 * overrides, and is added only when the origin sent none otherwise.
 */
export function withPolicy(pairs: string[], policy: ResponseHeaderRules | undefined): string[] {
  if (!policy) return pairs;
  const drop = new Set(policy.remove);
  for (const h of policy.custom) if (h.override) drop.add(h.header.toLowerCase());
  const out: string[] = [];
  const present = new Set<string>();
  for (let i = 0; i < pairs.length; i += 2) {
    const name = (pairs[i] as string).toLowerCase();
    present.add(name);
    if (!drop.has(name)) out.push(pairs[i] as string, pairs[i + 1] as string);
  }
  for (const h of policy.custom) if (h.override || !present.has(h.header.toLowerCase())) out.push(h.header, h.value);
  return out;
}

/** What the edge saw: the function's status (undefined: it let the request through) and whether credentials came with it. */
function outcomeOf(req: IncomingMessage, status: number | undefined): EdgeRequestLine['outcome'] {
  const withCredentials = typeof req.headers.authorization === 'string';
  if (status === undefined) return withCredentials ? 'allowed' : 'allowed-without-credentials';
  return status === 401 ? (withCredentials ? 'refused' : 'challenged') : status === 503 ? 'unavailable' : 'answered';
}

function clientIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function viewerHeaders(req: IncomingMessage): HeaderMap {
  const headers: HeaderMap = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = req.rawHeaders[i]!;
    const name = key.toLowerCase();
    headers[name] ??= [];
    headers[name].push({ key, value: req.rawHeaders[i + 1]! });
  }
  return headers;
}

function isRequest(value: unknown): value is ViewerRequest {
  const r = value as ViewerRequest | null;
  return (
    !!r &&
    typeof r === 'object' &&
    typeof r.uri === 'string' &&
    typeof r.method === 'string' &&
    typeof r.headers === 'object' &&
    r.headers !== null
  );
}

function errorPage(res: ServerResponse, status: number, cause: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = `<!DOCTYPE html><html><head><title>${status} ERROR</title></head><body><h1>${status} ERROR</h1><p>The request could not be satisfied.</p><p>${message}</p></body></html>\n`;
  res.writeHead(status, {
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(body),
    'x-cache': `${cause} from cloudfront`,
  });
  res.end(body);
}

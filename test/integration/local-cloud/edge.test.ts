// The local edge: the documented event, generated responses, forwarding to
// the origin, path-pattern behaviors, instances and cold starts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { PublishVersionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionConfigXml } from '../../../cli/local/services/cloudfront/config.js';
import { LocalEdge } from '../../../cli/local/edge.js';
import { sourceFunction, startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';

// A viewer-request function driven by the request: /echo answers with the
// event it got, /fail throws, /bad returns garbage, /big a 41 KB body; other
// paths go to the origin with a header added and /rewrite mapped to /rewritten.
const FUNCTION = `
const instance = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const json = (status, value) => ({ status: String(status), statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }], 'x-instance': [{ key: 'X-Instance', value: instance }] }, body: JSON.stringify(value) });
  if (request.uri === '/echo') return json(200, event);
  if (request.uri.endsWith('/instance')) return json(200, { instance, version: process.env.AWS_LAMBDA_FUNCTION_VERSION });
  if (request.uri === '/fail') throw new Error('boom');
  if (request.uri === '/bad') return { nonsense: true };
  if (request.uri === '/big') return { status: '200', body: 'x'.repeat(41 * 1024) };
  request.headers['x-added'] = [{ key: 'X-Added', value: 'by-edge' }];
  if (request.uri === '/rewrite') request.uri = '/rewritten';
  return request;
};`;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let t: TestCloud;
let edge: LocalEdge;
let origin: Server;
let originPort: number;
const seen: Seen[] = [];
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:viewer';

beforeAll(async () => {
  origin = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    res.writeHead(201, { 'x-origin': 'yes', 'content-type': 'text/plain' }).end(`origin saw ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as AddressInfo).port;
  t = await startTestCloud({ instances: 3 });
  const { zip } = await sourceFunction(FUNCTION);
  await t.cloud.lambda.putFunction({ name: 'viewer', zip, timeout: 5 });
  await t.lambda.send(new PublishVersionCommand({ FunctionName: 'viewer' }));
  const d = t.cloud.cloudfront.createDistribution(
    distributionConfigXml({
      callerReference: 'edge-test',
      comment: '',
      origin: { domainName: '127.0.0.1', protocol: 'http', port: originPort },
      viewerRequestArn: `${FN}:1`,
    }),
  );
  edge = await LocalEdge.start({ cloud: t.cloud, distributionId: d.id, port: 0 });
});

afterAll(async () => {
  await edge.stop();
  await t.stop();
  origin.closeAllConnections();
  await new Promise((r) => origin.close(r));
});

describe('local edge', () => {
  it('gives the function the documented viewer-request event', async () => {
    const res = await fetch(`${edge.url}/echo?a=1&b=two`, {
      headers: { 'X-Custom-Header': 'v1', Accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: decoded AWS inputs and JSON documents of any shape
    const event = (await res.json()) as any;
    const { config, request } = event.Records[0].cf;
    expect(config).toMatchObject({
      distributionId: t.cloud.cloudfront.state.distributions[0]!.id,
      eventType: 'viewer-request',
    });
    expect(config.distributionDomainName).toMatch(/\.cloudfront\.net$/);
    expect(config.requestId).toEqual(expect.any(String));
    expect(request).toMatchObject({ clientIp: '127.0.0.1', method: 'GET', querystring: 'a=1&b=two', uri: '/echo' });
    expect(request.headers['x-custom-header']).toEqual([{ key: 'X-Custom-Header', value: 'v1' }]);
    expect(request.headers.host[0].value).toBe(new URL(edge.url).host);
    expect(Object.keys(request.headers).every((k: string) => k === k.toLowerCase())).toBe(true);
  });

  it('forwards the changed request to the origin, streaming the body, with Host and X-Forwarded-For', async () => {
    seen.length = 0;
    const res = await fetch(`${edge.url}/rewrite?q=1`, {
      method: 'POST',
      body: 'hello origin',
      headers: { 'content-type': 'text/plain', 'x-forwarded-for': '198.51.100.1' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-origin')).toBe('yes');
    expect(await res.text()).toBe('origin saw POST /rewritten?q=1');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/rewritten?q=1', body: 'hello origin' });
    expect(seen[0]!.headers).toMatchObject({
      'x-added': 'by-edge',
      host: `127.0.0.1:${originPort}`,
      'x-forwarded-for': '198.51.100.1, 127.0.0.1',
    });
  });

  it('answers like CloudFront when the function fails, misbehaves or the origin is down', async () => {
    expect((await fetch(`${edge.url}/fail`)).status).toBe(503);
    expect((await fetch(`${edge.url}/bad`)).status).toBe(502);
    expect((await fetch(`${edge.url}/big`)).status).toBe(502);
    const d = t.cloud.cloudfront.find(t.cloud.cloudfront.state.distributions[0]!.id);
    t.cloud.cloudfront.update(
      d.id,
      d.etag,
      t.cloud.cloudfront.configXml(d).replace(`<HTTPPort>${originPort}</HTTPPort>`, '<HTTPPort>1</HTTPPort>'),
    );
    try {
      const down = await fetch(`${edge.url}/somewhere`);
      expect(down.status).toBe(502);
      expect(await down.text()).toMatch(/wasn't able to connect to the origin/);
    } finally {
      const now = t.cloud.cloudfront.find(d.id);
      t.cloud.cloudfront.update(
        d.id,
        now.etag,
        t.cloud.cloudfront.configXml(now).replace('<HTTPPort>1</HTTPPort>', `<HTTPPort>${originPort}</HTTPPort>`),
      );
    }
  });

  it('spreads requests over independent instances; a new version starts cold', async () => {
    const ids = [];
    for (let i = 0; i < 6; i++)
      ids.push(((await (await fetch(`${edge.url}/instance`)).json()) as { instance: string }).instance);
    expect(new Set(ids).size).toBe(3);
    expect(ids.slice(3)).toEqual(ids.slice(0, 3));
    t.cloud.lambda.updateFunction('viewer', { description: 'v2' });
    const v2 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'viewer' }));
    const current = await t.cf.send(
      new GetDistributionConfigCommand({ Id: t.cloud.cloudfront.state.distributions[0]!.id }),
    );
    const config = current.DistributionConfig!;
    // only /api/* runs version 2: a path-pattern behavior
    config.CacheBehaviors = {
      Quantity: 1,
      Items: [
        {
          ...structuredClone(config.DefaultCacheBehavior!),
          PathPattern: '/api/*',
          LambdaFunctionAssociations: {
            Quantity: 1,
            Items: [{ EventType: 'viewer-request', LambdaFunctionARN: `${FN}:${v2.Version}`, IncludeBody: false }],
          },
        },
      ],
    };
    await t.cf.send(
      new UpdateDistributionCommand({
        Id: t.cloud.cloudfront.state.distributions[0]!.id,
        IfMatch: current.ETag,
        DistributionConfig: config,
      }),
    );
    const api = (await (await fetch(`${edge.url}/api/instance`)).json()) as { instance: string; version: string };
    expect(api.version).toBe('2');
    expect(ids).not.toContain(api.instance);
    const root = (await (await fetch(`${edge.url}/instance`)).json()) as { version: string };
    expect(root.version).toBe('1');
  });
});

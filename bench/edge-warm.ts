// Edge warm path: decisions per second once the secret is cached, for a valid
// credential, a wrong one and a malformed header. Baseline in the same run:
// the seed article's check (build `Basic base64(user:pass)` and compare with
// `!=`), which is fast but neither constant-time nor RFC 7617-correct.

import { resolveEdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../handlers/edge-auth/edge-auth.js';
import type { CloudFrontRequestEvent } from '../handlers/edge-auth/cloudfront.js';
import { FakeSecretVersions } from '../test/helpers/fake-secret-versions.js';

export interface WarmFigures {
  case: string;
  oursPerSecond: number;
  oursMicros: number;
  articlePerSecond: number;
  articleMicros: number;
}

const USER = 'admin';
const PASSWORD = 'Warm-Path-Password-0123456789abc';

function event(authorization: string): CloudFrontRequestEvent {
  return {
    Records: [{ cf: { config: {}, request: { clientIp: '203.0.113.1', method: 'GET', uri: '/', querystring: '', headers: { authorization: [{ key: 'Authorization', value: authorization }] } } } }],
  };
}

// The article's handler logic, transcribed from Python, with its cache already warm.
function articleHandler(credentials: { username: string; password: string }) {
  return async (e: CloudFrontRequestEvent) => {
    const request = e.Records[0]!.cf.request;
    const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    if (!request.headers.authorization || request.headers.authorization[0]!.value != expected) {
      return { status: '401', statusDescription: 'Unauthorized', headers: { 'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Basic' }] }, body: 'Unauthorized' };
    }
    return request;
  };
}

async function perSecond(fn: (e: CloudFrontRequestEvent) => Promise<unknown>, make: () => CloudFrontRequestEvent, durationMs: number): Promise<number> {
  for (let i = 0; i < 2000; i++) await fn(make()); // warm up the JIT
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < 500; i++) await fn(make());
    count += 500;
  }
  return count / ((performance.now() - start) / 1000);
}

export async function edgeWarm(durationMs = 1500): Promise<WarmFigures[]> {
  const secrets = new FakeSecretVersions({ username: USER, password: PASSWORD });
  const ours = createEdgeAuth(resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1', cacheTtlSeconds: 86_400 }), {
    fetchVersion: secrets.fetch,
    now: secrets.clock,
  });
  const article = articleHandler({ username: USER, password: PASSWORD });
  const cases: Array<[string, string]> = [
    ['valid credential', `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`],
    ['wrong password', `Basic ${Buffer.from(`${USER}:not-the-password`).toString('base64')}`],
    ['malformed header', 'Basic !!not base64!!'],
  ];
  const figures: WarmFigures[] = [];
  for (const [name, header] of cases) {
    const make = () => event(header);
    const oursPerSecond = await perSecond((e) => ours.handle(e), make, durationMs);
    const articlePerSecond = await perSecond(article, make, durationMs);
    figures.push({ case: name, oursPerSecond, oursMicros: 1e6 / oursPerSecond, articlePerSecond, articleMicros: 1e6 / articlePerSecond });
  }
  return figures;
}

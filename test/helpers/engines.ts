// Both edge engines driven by the same requests: the Lambda@Edge handler with
// its secret cache on a FakeSecretVersions, and the CloudFront function built
// as it deploys, run in the local runtime against a store published from the
// same users. Each answer comes back in one shape, with the request the
// origin would receive when the engine lets it through.
import { createEdgeAuth } from '../../handlers/edge-auth/edge-auth.js';
import { resolveEdgeAuthConfig, type EdgeAuthConfigInput } from '../../handlers/edge-auth/config.js';
import { planDigests } from '../../handlers/shared/kvs-digests.js';
import { CloudFrontFunction } from '../../cli/local/cloudfront-functions.js';
import { viewerRequest, type RequestShape } from './edge-events.js';
import type { FakeSecretVersions } from './fake-secret-versions.js';

export interface Verdict {
  status: number;
  body?: string;
  /** the answer's headers (lower-case names, first value) */
  headers: Record<string, string>;
  /** for a request let through: the headers the origin receives (lower-case names, first value) */
  forwarded?: Record<string, string>;
}

/** The function built from `code` with `store` as its KeyValueStore. */
export function functionWith(code: string, store: Map<string, string>): CloudFrontFunction {
  return new CloudFrontFunction(code, {
    id: 'kvs-1',
    get: (key) => store.get(key),
    meta: () => ({ creationDateTime: '', lastUpdatedDateTime: '', keyCount: store.size }),
  });
}

/** The store the publisher writes for these users (and a previous version within its grace). */
export function published(
  current: Record<string, string>,
  previous?: Record<string, string>,
  previousUntil?: number,
): Map<string, string> {
  const plan = planDigests({
    current: { versionId: 'v2', users: new Map(Object.entries(current)) },
    previous: previous && { versionId: 'v1', users: new Map(Object.entries(previous)) },
    previousUntil,
    existing: new Map(),
    now: Date.now(),
  });
  return new Map(plan.puts.map((p) => [p.Key, p.Value]));
}

/** The same request as a CloudFront Functions event (headers { value }, cookies apart, viewer.ip). */
export function functionEvent(shape: RequestShape) {
  const r = viewerRequest(shape).Records[0]!.cf.request;
  const headers: Record<string, { value: string; multiValue?: Array<{ value: string }> }> = {};
  for (const [name, list] of Object.entries(r.headers)) {
    headers[name] =
      list.length === 1
        ? { value: list[0]!.value }
        : { value: list[0]!.value, multiValue: list.map((h) => ({ value: h.value })) };
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: r.clientIp },
    request: { method: r.method, uri: r.uri, querystring: {}, headers, cookies: {} },
  };
}

export function runFunction(fn: CloudFrontFunction, shape: RequestShape): Verdict {
  const result = fn.run(functionEvent(shape)).result as {
    statusCode?: number;
    headers?: Record<string, { value: string }>;
    body?: { data: string };
  };
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, v.value]));
  if (result.statusCode === undefined) return { status: 200, headers: {}, forwarded: headers };
  return { status: result.statusCode, headers, ...(result.body ? { body: result.body.data } : {}) };
}

export async function runLambda(
  settings: EdgeAuthConfigInput,
  shape: RequestShape,
  secrets: FakeSecretVersions,
): Promise<Verdict> {
  const edge = createEdgeAuth(resolveEdgeAuthConfig(settings), {
    fetchVersion: secrets.fetch,
    lastRotated: secrets.lastRotated,
    now: secrets.clock,
  });
  const result = (await edge.handle(viewerRequest(shape))) as {
    status?: string;
    headers: Record<string, Array<{ value: string }>>;
    body?: string;
  };
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, v[0]!.value]));
  if (result.status === undefined) return { status: 200, headers: {}, forwarded: headers };
  return { status: Number(result.status), headers, ...(result.body ? { body: result.body } : {}) };
}

/** The answer headers both engines must agree on. */
export const DECISION_HEADERS = [
  'www-authenticate',
  'content-type',
  'cache-control',
  'content-security-policy',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'vary',
  'retry-after',
];

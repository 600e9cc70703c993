// CORS preflights answered at the edge. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) never carries credentials, so forwarding it
// would reach the origin unauthenticated; instead the edge answers it from
// the configuration: 204 with the CORS headers when the origin, method and
// headers asked for are allowed, 403 without them otherwise.
//
// The decision (`preflight`) reads headers through a function and answers
// name/value pairs, so both engines share it: Lambda@Edge's header lists and
// CloudFront Functions' header objects (whose runtime lacks Array#includes
// and object spread, hence indexOf and push).

import { headerValues, type CloudFrontHeaders, type CloudFrontResultResponse } from '../edge-auth/cloudfront.js';

export interface CorsConfig {
  /** exact origins such as https://app.example.com, or "*" */
  allowOrigins: string[];
  allowMethods: string[];
  /** request headers a page may send, lowercase; "*" for any */
  allowHeaders: string[];
  maxAgeSeconds: number;
  allowCredentials: boolean;
}

/** The values of a request header (lowercase name), or undefined when absent. */
export type HeaderReader = (name: string) => string[] | undefined;

export interface PreflightAnswer {
  status: 204 | 403;
  headers: Array<[string, string]>;
}

/** A header sent exactly once, trimmed; undefined when absent, empty or repeated (ambiguous). */
function single(get: HeaderReader, name: string): string | undefined {
  const values = get(name);
  const value = values && values.length === 1 ? (values[0] as string).trim() : undefined;
  return value ? value : undefined;
}

export function isPreflightRequest(method: string, get: HeaderReader): boolean {
  return method === 'OPTIONS' && get('origin') !== undefined && get('access-control-request-method') !== undefined;
}

export function preflight(cors: CorsConfig, get: HeaderReader): PreflightAnswer {
  const origin = single(get, 'origin') || '';
  const method = (single(get, 'access-control-request-method') || '').toUpperCase();
  const asked = (get('access-control-request-headers') || [])
    .join(',')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const has = (list: string[], value: string) => list.indexOf(value) !== -1;
  const anyOrigin = has(cors.allowOrigins, '*');
  const allowed =
    origin !== '' &&
    (anyOrigin || has(cors.allowOrigins, origin)) &&
    has(cors.allowMethods, method) &&
    (has(cors.allowHeaders, '*') || asked.every((h) => has(cors.allowHeaders, h)));
  if (!allowed)
    return {
      status: 403,
      headers: [
        ['Cache-Control', 'no-store'],
        ['Vary', 'Origin'],
      ],
    };
  // with credentials, "*" is not allowed: echo the origin
  const headers: Array<[string, string]> = [
    ['Access-Control-Allow-Origin', anyOrigin && !cors.allowCredentials ? '*' : origin],
    ['Access-Control-Allow-Methods', cors.allowMethods.join(', ')],
  ];
  if (asked.length) headers.push(['Access-Control-Allow-Headers', asked.join(', ')]);
  headers.push(['Access-Control-Max-Age', String(cors.maxAgeSeconds)]);
  if (cors.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  headers.push(['Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers']);
  return { status: 204, headers };
}

// ---- Lambda@Edge shapes ------------------------------------------------------

const reader =
  (headers: CloudFrontHeaders): HeaderReader =>
  (name) =>
    headerValues(headers, name);

export function isPreflight(method: string, headers: CloudFrontHeaders): boolean {
  return isPreflightRequest(method, reader(headers));
}

export function answerPreflight(cors: CorsConfig, headers: CloudFrontHeaders): CloudFrontResultResponse {
  const answer = preflight(cors, reader(headers));
  const out: CloudFrontHeaders = {};
  answer.headers.forEach((pair) => {
    out[pair[0].toLowerCase()] = [{ key: pair[0], value: pair[1] }];
  });
  return answer.status === 204
    ? { status: '204', statusDescription: 'No Content', headers: out, body: '' }
    : { status: '403', statusDescription: 'Forbidden', headers: out, body: '' };
}

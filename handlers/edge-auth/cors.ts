// CORS preflights answered at the edge. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) never carries credentials, so forwarding it
// would reach the origin unauthenticated; instead the edge answers it from
// the configuration: 204 with the CORS headers when the origin, method and
// headers asked for are allowed, 403 without them otherwise.

import { headerValues, type CloudFrontHeaders, type CloudFrontResultResponse } from './cloudfront.js';

export interface CorsConfig {
  /** exact origins such as https://app.example.com, or "*" */
  allowOrigins: string[];
  allowMethods: string[];
  /** request headers a page may send, lowercase; "*" for any */
  allowHeaders: string[];
  maxAgeSeconds: number;
  allowCredentials: boolean;
}

/** A header sent exactly once, trimmed; undefined when absent, empty or repeated (ambiguous). */
function single(headers: CloudFrontHeaders, name: string): string | undefined {
  const values = headerValues(headers, name);
  const value = values?.length === 1 ? values[0]!.trim() : undefined;
  return value ? value : undefined;
}

export function isPreflight(method: string, headers: CloudFrontHeaders): boolean {
  return method === 'OPTIONS' && headerValues(headers, 'origin') !== undefined && headerValues(headers, 'access-control-request-method') !== undefined;
}

const header = (key: string, value: string) => [{ key, value }];

export function answerPreflight(cors: CorsConfig, headers: CloudFrontHeaders): CloudFrontResultResponse {
  const origin = single(headers, 'origin') ?? '';
  const method = (single(headers, 'access-control-request-method') ?? '').toUpperCase();
  const asked = (headerValues(headers, 'access-control-request-headers') ?? [])
    .join(',')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const anyOrigin = cors.allowOrigins.includes('*');
  const allowed =
    origin !== '' && (anyOrigin || cors.allowOrigins.includes(origin)) && cors.allowMethods.includes(method) && (cors.allowHeaders.includes('*') || asked.every((h) => cors.allowHeaders.includes(h)));
  if (!allowed) {
    return { status: '403', statusDescription: 'Forbidden', headers: { 'cache-control': header('Cache-Control', 'no-store'), vary: header('Vary', 'Origin') }, body: '' };
  }
  return {
    status: '204',
    statusDescription: 'No Content',
    headers: {
      // with credentials, "*" is not allowed: echo the origin
      'access-control-allow-origin': header('Access-Control-Allow-Origin', anyOrigin && !cors.allowCredentials ? '*' : origin),
      'access-control-allow-methods': header('Access-Control-Allow-Methods', cors.allowMethods.join(', ')),
      ...(asked.length ? { 'access-control-allow-headers': header('Access-Control-Allow-Headers', asked.join(', ')) } : {}),
      'access-control-max-age': header('Access-Control-Max-Age', String(cors.maxAgeSeconds)),
      ...(cors.allowCredentials ? { 'access-control-allow-credentials': header('Access-Control-Allow-Credentials', 'true') } : {}),
      vary: header('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'),
    },
    body: '',
  };
}

// The parts of the Lambda@Edge viewer-request event and result that basicauth uses.

import { ROBOTS_HEADER } from '../shared/robots.js';

export interface CloudFrontHeader {
  key?: string;
  value: string;
}

export type CloudFrontHeaders = Record<string, CloudFrontHeader[]>;

export interface CloudFrontRequest {
  clientIp: string;
  headers: CloudFrontHeaders;
  method: string;
  querystring: string;
  uri: string;
}

export interface CloudFrontRequestEvent {
  Records: Array<{
    cf: {
      config: { distributionDomainName?: string; distributionId?: string; eventType?: string; requestId?: string };
      request: CloudFrontRequest;
    };
  }>;
}

export interface CloudFrontResultResponse {
  status: string;
  statusDescription: string;
  headers: CloudFrontHeaders;
  body: string;
}

export type CloudFrontRequestResult = CloudFrontRequest | CloudFrontResultResponse;

export function unavailable(retryAfterSeconds: number): CloudFrontResultResponse {
  return {
    status: '503',
    statusDescription: 'Service Unavailable',
    headers: {
      'retry-after': [{ key: 'Retry-After', value: String(retryAfterSeconds) }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
      'x-robots-tag': [{ key: 'X-Robots-Tag', value: ROBOTS_HEADER }],
      'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    },
    body: 'Authentication is temporarily unavailable. Try again shortly.\n',
  };
}

/** Header values in CloudFront's lowercase map, for a name in lowercase. */
export function headerValues(headers: CloudFrontHeaders | undefined, name: string): string[] | undefined {
  const list = headers?.[name];
  if (!Array.isArray(list)) return undefined;
  return list.map((h) => (h && typeof h.value === 'string' ? h.value : ''));
}

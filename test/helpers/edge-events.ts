import { readFileSync } from 'node:fs';
import type { CloudFrontRequestEvent } from '../../handlers/edge-auth/cloudfront.js';

const fixture = readFileSync(new URL('../fixtures/viewer-request.json', import.meta.url), 'utf8');

export interface RequestShape {
  authorization?: string | string[];
  uri?: string;
  method?: string;
  clientIp?: string;
  headers?: Record<string, string>;
}

/** The documented viewer-request event, with the parts a test cares about changed. */
export function viewerRequest(shape: RequestShape = {}): CloudFrontRequestEvent {
  const event = JSON.parse(fixture) as CloudFrontRequestEvent;
  const request = event.Records[0]!.cf.request;
  if (shape.uri !== undefined) request.uri = shape.uri;
  if (shape.method !== undefined) request.method = shape.method;
  if (shape.clientIp !== undefined) request.clientIp = shape.clientIp;
  for (const [name, value] of Object.entries(shape.headers ?? {})) {
    request.headers[name.toLowerCase()] = [{ key: name, value }];
  }
  if (shape.authorization !== undefined) {
    const values = Array.isArray(shape.authorization) ? shape.authorization : [shape.authorization];
    request.headers.authorization = values.map((value) => ({ key: 'Authorization', value }));
  }
  return event;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** The Authorization header of `user:password`, as request headers. */
export const basicHeaders = (userPass: string) => ({
  authorization: `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`,
});

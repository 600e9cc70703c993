// The CloudFront Functions event and result shapes (viewer-request), and the
// configuration the build bakes into the function.

import type { Cidr } from '../shared/cidr.js';
import type { CorsConfig } from '../shared/cors.js';

export interface FunctionHeader {
  value: string;
  multiValue?: Array<{ value: string }>;
}

export type FunctionHeaders = Record<string, FunctionHeader>;

export interface FunctionRequest {
  method: string;
  uri: string;
  querystring: Record<string, FunctionHeader>;
  headers: FunctionHeaders;
  cookies: Record<string, FunctionHeader>;
}

export interface FunctionEvent {
  version: '1.0';
  context: { distributionDomainName: string; distributionId: string; eventType: 'viewer-request'; requestId: string };
  viewer: { ip: string };
  request: FunctionRequest;
}

export interface FunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: FunctionHeaders;
  cookies?: Record<string, FunctionHeader>;
  body?: { encoding: 'text' | 'base64'; data: string } | string;
}

export interface FunctionConfig {
  /** anchored regular expression of the bypass paths, or undefined for none */
  bypass: string | undefined;
  cidrs: Cidr[];
  cors: CorsConfig | undefined;
  stripAuthorization: boolean;
  retryAfterSeconds: number;
  challenge: { html: string; text: string; headers: Array<[string, string]> };
}

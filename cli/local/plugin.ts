// What a local AWS service is: a plugin that owns one SigV4 service name, its
// wire protocol, its operations and its slice of the persisted state. The
// server decodes and encodes by protocol and routes by credential scope; a
// plugin only sees decoded input and returns a decoded output.

import type { IncomingHttpHeaders } from 'node:http';

export type Protocol = 'json' | 'rest-json' | 'rest-xml' | 'query';

export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/** A request as a plugin sees it, after routing. */
export interface LocalRequest {
  method: string;
  /** the path, percent-decoded per segment by the router */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  region: string;
}

/** A route of a REST protocol: `{Name}` captures one segment, `{Name+}` the rest of the path. */
export interface Route {
  method: string;
  path: string;
  operation: string;
  /** a query parameter that must be present (CloudFront's ?WithTags, ?Operation=Tag) */
  query?: Record<string, string | true>;
}

/**
 * What an operation returns. For `json` and `query` the value is the output
 * shape; for the REST protocols the operation says status, headers and body
 * (a JSON value for rest-json, an XML string for rest-xml).
 */
export interface RestOutput {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** a raw body, sent as is (Invoke's payload) */
  raw?: Buffer | string;
}

export type Operation = (input: OperationInput) => unknown;

/** json/query: the decoded input; rest: path parameters plus the request. */
// biome-ignore lint/suspicious/noExplicitAny: decoded AWS inputs and JSON documents of any shape
export type OperationInput = Record<string, any> & { $request: LocalRequest };

/** What a call needs from IAM: an action on a resource. */
export interface Requirement {
  action: string;
  resource: string;
}

export interface ServicePlugin {
  /** the SigV4 credential-scope service name */
  name: string;
  protocol: Protocol;
  /** json: the X-Amz-Target prefix (`secretsmanager`, `Logs_20140328`); query: the XML namespace */
  target?: string;
  /** REST-XML errors: wrapped in <ErrorResponse> (CloudFront) or a bare <Error> (S3) */
  xmlErrors?: 'wrapped' | 'bare';
  /** json protocol version (1.0 or 1.1) */
  jsonVersion?: '1.0' | '1.1';
  /** the Terraform AWS provider's `endpoints` key that reaches this service, where the stack's resources use it (deploy --local points it here) */
  terraformEndpoint?: string;
  /** REST protocols: method + path → operation */
  routes?: Route[];
  operations: Record<string, Operation>;
  /** IAM evaluation mode: the ARN an operation acts on ('*' when it names none); a resource that does not exist may throw */
  resourceOf?(operation: string, input: OperationInput): string;
  /** IAM evaluation mode: what AWS asks of other services on the caller's behalf (CloudFront of Lambda, for Lambda@Edge) */
  impliedRequirements?(operation: string, input: OperationInput): Requirement[];
  /** called once the cloud runs (timers, resuming work) */
  start?(): void;
  stop?(): Promise<void>;
}

export const definePlugin = (plugin: ServicePlugin): ServicePlugin => plugin;

// Errors shared by several services.
export const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message, 400);
export const invalidRequest = (message: string) => new ServiceError('InvalidRequestException', message, 400);
export const invalidParameter = (message: string) => new ServiceError('InvalidParameterException', message, 400);

// What the three AWS wire protocols share here: service errors with AWS's
// codes, request bodies, and the auth check (signatures are accepted without
// being verified; a request with no AWS auth at all is refused).

import type { IncomingMessage, ServerResponse } from 'node:http';

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

export const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message, 400);
export const invalidRequest = (message: string) => new ServiceError('InvalidRequestException', message, 400);
export const invalidParameter = (message: string) => new ServiceError('InvalidParameterException', message, 400);

export async function readBody(req: IncomingMessage, limit = 60 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ServiceError('RequestEntityTooLargeException', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The region a SigV4 request was signed for, or undefined when the request carries no AWS auth. */
export function signedRegion(req: IncomingMessage, url: URL): string | undefined | null {
  const auth = req.headers.authorization;
  const match = auth ? /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/.exec(auth) : null;
  if (match) return match[1];
  const presigned = url.searchParams.get('X-Amz-Credential');
  if (presigned) return presigned.split('/')[2];
  return null;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId(), ...headers });
  res.end(text);
}

export function requestId(): string {
  return crypto.randomUUID();
}

/** AWS JSON dates are epoch seconds with millisecond fraction. */
export const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

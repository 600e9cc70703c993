// AWS Signature Version 4 for the requests our light clients send: a POST of
// a JSON body to an AWS JSON-protocol endpoint (Secrets Manager's
// GetSecretValue and DescribeSecret), and a GET without a body (the REST reads
// of `status --local`). Written here rather than taken from
// aws4 because that library is general (query signing, S3, its own LRU
// cache) and reaches node:url and node:querystring through CommonJS require:
// 40% of the edge bundle's code for what takes a page here.
// test/unit/shared/sigv4.test.ts checks every signature against the AWS SDK's
// own signer.
//
// SHA-256 and HMAC are ./sha256.ts rather than node:crypto: at the edge,
// loading node:crypto costs a cold start ~4-6 ms for the few hashes a
// signature takes (that file says why not @noble/hashes either).
//
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

import { hmacKey, hmacSha256, sha256, type HmacKey } from './sha256.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface JsonPost {
  url: URL;
  region: string;
  service: string;
  /** `x-amz-target`, e.g. `secretsmanager.GetSecretValue` */
  target: string;
  body: string;
  /** the signing time; now when absent */
  date?: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

const sha256Hex = (data: string): string => sha256(Buffer.from(data, 'utf8')).toString('hex');
const hmac = (key: Uint8Array | HmacKey | string, data: string): Buffer =>
  hmacSha256(typeof key === 'string' ? Buffer.from(key, 'utf8') : key, Buffer.from(data, 'utf8'));

// The signing key changes once a day per region and service: the last one is kept, its HMAC pads compressed.
let lastKey: { id: string; key: HmacKey } | undefined;
function signingKey(secretAccessKey: string, day: string, region: string, service: string): HmacKey {
  const id = `${secretAccessKey}\n${day}\n${region}\n${service}`;
  if (lastKey?.id !== id)
    lastKey = {
      id,
      key: hmacKey(hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request')),
    };
  return lastKey.key;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** 20261129T170000Z: by hand, as toISOString() costs a cold start ~0.8 ms. */
function basicIsoTime(date: Date): string {
  return `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}T${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
}

/** RFC 3986 unreserved characters stay; everything else is %XX with upper-case hex. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The headers to send with the request: the ones signed, content-length and authorization. */
export function signJsonPost(request: JsonPost, credentials: AwsCredentials): Record<string, string> {
  return sign(
    'POST',
    request,
    { 'content-type': CONTENT_TYPE, 'x-amz-target': request.target },
    request.body,
    credentials,
  );
}

/** The headers of a GET without a body (REST reads): the ones signed and authorization. */
export function signGet(
  request: Omit<JsonPost, 'target' | 'body'>,
  credentials: AwsCredentials,
): Record<string, string> {
  const { 'content-length': _none, ...headers } = sign('GET', request, {}, '', credentials);
  return headers;
}

function sign(
  method: 'GET' | 'POST',
  request: Omit<JsonPost, 'target' | 'body'>,
  extra: Record<string, string>,
  body: string,
  credentials: AwsCredentials,
): Record<string, string> {
  const amzDate = basicIsoTime(request.date ?? new Date());
  const day = amzDate.slice(0, 8);
  const signed: Record<string, string> = {
    ...extra,
    host: request.url.host,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(signed).sort();
  const signedHeaders = names.join(';');
  // Every service but S3 encodes each path segment once more than it is sent.
  const canonicalPath = request.url.pathname.split('/').map(escapeUri).join('/') || '/';
  const canonicalQuery = !request.url.search
    ? '' // the usual case: URL's searchParams costs a cold start ~0.3 ms
    : [...request.url.searchParams]
        .map(([k, v]) => [escapeUri(k), escapeUri(v)] as const)
        .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
  const canonicalRequest = [
    method,
    canonicalPath,
    canonicalQuery,
    names.map((name) => `${name}:${signed[name]!.trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    sha256Hex(body),
  ].join('\n');
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = hmac(
    signingKey(credentials.secretAccessKey, day, request.region, request.service),
    stringToSign,
  ).toString('hex');
  return {
    ...signed,
    'content-length': String(Buffer.byteLength(body, 'utf8')),
    authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

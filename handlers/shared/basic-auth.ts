// RFC 7617 Basic credentials: parsing an Authorization header value.
// Every input, however odd, yields a result object; nothing here throws.

export type ParsedAuthorization =
  | { ok: true /** the decoded `user-id:password` bytes, UTF-8 */; credentials: Uint8Array }
  | { ok: false; reason: AuthorizationProblem };

export type AuthorizationProblem =
  | 'missing'
  | 'multiple'
  | 'oversized'
  | 'not-basic'
  | 'bad-base64'
  | 'bad-utf8'
  | 'no-colon';

// Browsers send far less; anything larger is abuse and is refused before decoding.
export const MAX_AUTHORIZATION_LENGTH = 4096;

// Scheme, then one token68 in strict, padded, canonical base64 (RFC 4648 §4).
// Shared with the CloudFront function (which imports this module for the pattern alone: the decoder is marked pure).
export const BASIC = /^[ \t]*basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseAuthorization(values: readonly string[] | undefined): ParsedAuthorization {
  if (!values || values.length === 0) return { ok: false, reason: 'missing' };
  if (values.length > 1) return { ok: false, reason: 'multiple' };
  const value = values[0] as string;
  if (value.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, reason: 'oversized' };
  const match = BASIC.exec(value);
  if (!match) return { ok: false, reason: 'not-basic' };
  const token = match[1] as string;
  if (token.length % 4 !== 0) return { ok: false, reason: 'bad-base64' };
  const bytes = Buffer.from(token, 'base64');
  // Node's decoder ignores stray padding and non-zero trailing bits; a canonical
  // token re-encodes to itself, anything else is refused.
  if (bytes.toString('base64') !== token) return { ok: false, reason: 'bad-base64' };
  try {
    utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'bad-utf8' };
  }
  if (!bytes.includes(0x3a)) return { ok: false, reason: 'no-colon' };
  return { ok: true, credentials: bytes };
}

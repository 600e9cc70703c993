// Bypass paths use CloudFront's path-pattern syntax: `*` matches any run of
// characters (including `/`), `?` exactly one; matching is case-sensitive.
//
// A bypass lets a request skip the password, so it applies only to a URI that
// every origin reads as the same path: CloudFront matches behaviors on the
// RFC 3986-normalized path, Tomcat and Spring drop `;` path parameters before
// resolving `..`, some servers decode twice, treat `\` as `/`, merge `//`, or
// fold Unicode. Anything that one of them could read differently goes through
// the password check instead (fail closed).

/** A CloudFront path pattern as a regular expression body (anchor it yourself). */
export function pathPatternSource(pattern: string): string {
  return pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
}

// Unreserved characters, the sub-delimiters but ";" (a path parameter to
// Tomcat), ":" and "@", "/" and percent-encodings (checked below).
const PLAIN = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
// What an encoding may not stand for: "/", "\", ".", "%" and ";" (they change
// how the path splits or decodes), control bytes, and anything beyond ASCII
// (Unicode folding turns "％２ｅ" into "." on some servers).
// (a string, not a Set: shared with the CloudFront Functions runtime, which has no Set)
const UNSAFE_ENCODED = '/\\.%;';

/** Whether every origin reads `uri` as the same path, so that a bypass may apply to it. */
export function isCanonicalPath(uri: string): boolean {
  if (uri.charAt(0) !== '/' || !PLAIN.test(uri) || uri.indexOf('//') !== -1) return false;
  for (let i = uri.indexOf('%'); i !== -1; i = uri.indexOf('%', i + 1)) {
    const hex = uri.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return false;
    const code = parseInt(hex, 16);
    if (code < 0x20 || code >= 0x7f || UNSAFE_ENCODED.indexOf(String.fromCharCode(code)) !== -1) return false;
  }
  // no dot segment, in any position
  return !uri.split('/').some((segment) => segment === '.' || segment === '..');
}

/** One anchored regular expression for all patterns (the CloudFront function gets it baked in), or undefined for none. */
export function bypassSource(patterns: readonly string[]): string | undefined {
  return patterns.length === 0 ? undefined : `^(?:${patterns.map(pathPatternSource).join('|')})$`;
}

export function compileBypass(patterns: readonly string[]): (uri: string) => boolean {
  return bypassOf(bypassSource(patterns));
}

export function bypassOf(source: string | undefined): (uri: string) => boolean {
  if (source === undefined) return () => false;
  const re = new RegExp(source);
  return (uri) => isCanonicalPath(uri) && re.test(uri);
}

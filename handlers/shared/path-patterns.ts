// Bypass paths use CloudFront's path-pattern syntax: `*` matches any run of
// characters (including `/`), `?` exactly one; matching is case-sensitive.
//
// A bypass lets a request skip the password, so it applies only to a URI that
// every origin reads as the same path: CloudFront matches behaviors on the
// RFC 3986-normalized path, Tomcat and Spring drop `;` path parameters before
// resolving `..`, some servers decode twice, treat `\` as `/`, merge `//`, or
// fold Unicode, a proxy that re-sends the decoded path reads an encoded `?` or
// `#` as the end of it, and PHP-style origins (PATH_INFO) run
// `/admin/x.php/.css` as `/admin/x.php`. Anything that one of them could read
// differently goes through the password check instead (fail closed).

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
// What an encoding may stand for: a letter, a digit, "-", "_" or "~" (RFC 3986
// unreserved but "."), the only bytes every origin reads alike decoded or not.
// Everything else is refused: "/", "\", "." and ";" change how the path splits,
// "%" how it decodes, "?" and "#" where it ends once a proxy decodes it
// (nginx `proxy_pass http://app$uri$is_args$args`), and anything beyond ASCII
// may fold ("％２ｅ" is "." to some servers).
const ENCODED_UNRESERVED = /^(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[Dd]|5[Ff]|7[Ee])$/;
// A segment that names a file ("x.php") rather than a directory: a dot after its first character.
const FILE_SEGMENT = /^[^.]+\./;

/** Whether every origin reads `uri` as the same path, so that a bypass may apply to it. */
export function isCanonicalPath(uri: string): boolean {
  if (uri.charAt(0) !== '/' || !PLAIN.test(uri) || uri.indexOf('//') !== -1) return false;
  for (let i = uri.indexOf('%'); i !== -1; i = uri.indexOf('%', i + 1)) {
    if (!ENCODED_UNRESERVED.test(uri.slice(i + 1, i + 3))) return false;
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
  return (uri) => isCanonicalPath(uri) && re.test(uri) && scriptsBypass(uri, re);
}

/**
 * PATH_INFO: an origin may run the first file-like segment of a path as a script
 * and hand it the rest (`/admin/x.php/.css` runs `/admin/x.php`). A path with a
 * file-like segment before its last one bypasses only if each such script path
 * bypasses too; `/assets/v1.2/app.css` under `/assets/*` still does.
 */
function scriptsBypass(uri: string, re: RegExp): boolean {
  const segments = uri.split('/');
  for (let i = 1; i < segments.length - 1; i++) {
    if (FILE_SEGMENT.test(segments[i] as string) && !re.test(segments.slice(0, i + 1).join('/'))) return false;
  }
  return true;
}

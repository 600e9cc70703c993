// Bypass paths use CloudFront's path-pattern syntax: `*` matches any run of
// characters (including `/`), `?` exactly one; matching is case-sensitive.

// A URI that the origin might normalise into a different path must not
// inherit a bypass: `/.well-known/../admin` or `/healthz/%2e%2e/admin`.
const AMBIGUOUS = /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|\/\//i;

/** A CloudFront path pattern as a regular expression body (anchor it yourself). */
export function pathPatternSource(pattern: string): string {
  return pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
}

export function compileBypass(patterns: readonly string[]): (uri: string) => boolean {
  if (patterns.length === 0) return () => false;
  const source = patterns.map(pathPatternSource).join('|');
  const re = new RegExp(`^(?:${source})$`);
  return (uri) => !AMBIGUOUS.test(uri) && re.test(uri);
}

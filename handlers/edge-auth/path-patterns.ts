// Bypass paths use CloudFront's path-pattern syntax: `*` matches any run of
// characters (including `/`), `?` exactly one; matching is case-sensitive.

// A URI that the origin might normalise into a different path must not
// inherit a bypass: `/.well-known/../admin` or `/healthz/%2e%2e/admin`.
const AMBIGUOUS = /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|\/\//i;

export function compileBypass(patterns: readonly string[]): (uri: string) => boolean {
  if (patterns.length === 0) return () => false;
  const source = patterns
    .map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'))
    .join('|');
  const re = new RegExp(`^(?:${source})$`);
  return (uri) => !AMBIGUOUS.test(uri) && re.test(uri);
}

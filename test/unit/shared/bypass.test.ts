// Bypass paths against an attacker's path tricks. The property: whenever the
// edge lets a URI skip the password, every way an origin may read that URI
// (RFC 3986 normalization as CloudFront matches behaviors, Tomcat/Spring path
// parameters, double decoding, backslashes, merged slashes, Unicode folding)
// lands inside a bypass pattern too. Generated around each pattern with
// traversal variants, plus the review's concrete examples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileBypass, isCanonicalPath, pathPatternSource } from '../../../handlers/shared/path-patterns.js';
import { removeDotSegments } from '../../../cli/local/uri.js';

const PATTERNS = ['/public/*', '/healthz', '/.well-known/*', '/img/????.png', '/api/v1/status', '/*.css'];

const decodeOnce = (s: string) =>
  s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
const utf8Decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return decodeOnce(s);
  }
};

/** How different origins read a request path. */
const ORIGIN_READINGS: Record<string, (uri: string) => string> = {
  cloudfront: (u) =>
    removeDotSegments(
      u.replace(/%(2[eE]|[46][1-9a-fA-F]|[57][0-9aA]|3[0-9]|5[fF]|7[eE]|2[dD])/g, (m) => decodeOnce(m)),
    ),
  tomcat: (u) =>
    removeDotSegments(
      utf8Decode(
        u
          .split('/')
          .map((seg) => seg.split(';')[0])
          .join('/'),
      ),
    ),
  'decode-twice': (u) => removeDotSegments(utf8Decode(utf8Decode(u))),
  backslash: (u) => removeDotSegments(utf8Decode(u).replace(/\\/g, '/')),
  'merge-slashes': (u) => removeDotSegments(utf8Decode(u).replace(/\/{2,}/g, '/')),
  'unicode-fold': (u) => removeDotSegments(utf8Decode(u).normalize('NFKC')),
  // nginx `proxy_pass http://app$uri$is_args$args`: the decoded path sent on, where `?` and `#` end it
  'nginx-reproxy': (u) => removeDotSegments(utf8Decode(u)).split(/[?#]/)[0] as string,
  // PHP-style PATH_INFO: the first file-like segment is the script that runs
  'path-info': (u) => {
    const segments = removeDotSegments(utf8Decode(u)).split('/');
    const script = segments.findIndex((s, i) => i > 0 && i < segments.length - 1 && /^[^.]+\./.test(s));
    return script === -1 ? segments.join('/') : segments.slice(0, script + 1).join('/');
  },
};

const inPatterns = (path: string) => PATTERNS.some((p) => new RegExp(`^${pathPatternSource(p)}$`).test(path));
const bypass = compileBypass(PATTERNS);

const TRAVERSALS = [
  '..',
  '.',
  '..;',
  '.;',
  '..;jsessionid=1',
  ';',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '..%2f',
  '..%5c',
  '..\\',
  '%2f',
  '%5c',
  '',
  '%00',
  '%ef%bc%8e%ef%bc%8e',
  '．．',
  '..%252f',
  '%c0%ae%c0%ae',
];
const SEGMENTS = [
  'admin',
  'secret',
  'public',
  'x',
  'healthz',
  'a.png',
  'logo.png',
  'status',
  'v1',
  'x.php',
  'secret.html%3F',
  'a%23',
  '%3f',
  '.css',
  'app.css',
  'x%41.css',
];

const traversalUri = fc
  .tuple(
    fc.constantFrom(...PATTERNS.map((p) => p.replace(/[*?].*$/, '').replace(/\/$/, ''))),
    fc.array(fc.oneof(fc.constantFrom(...TRAVERSALS), fc.constantFrom(...SEGMENTS)), { minLength: 1, maxLength: 5 }),
    fc.constantFrom('', '/', '.css', '/.css', '%3F.css', '%23.css'),
  )
  .map(([prefix, parts, trailing]) => `${prefix}/${parts.join('/')}${trailing}`);

describe('bypass paths', () => {
  it('never let a URI through that some origin reads as a path outside the patterns (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          traversalUri,
          fc.webPath().map((p) => p || '/'),
        ),
        (uri) => {
          if (!bypass(uri)) return;
          for (const [origin, read] of Object.entries(ORIGIN_READINGS)) {
            expect(inPatterns(read(uri)), `${uri} bypasses, but ${origin} reads it as ${read(uri)}`).toBe(true);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("refuse the review's examples and other spellings of traversal", () => {
    for (const uri of [
      '/public/..;/admin',
      '/public/.;/..;/admin',
      '/public/..;jsessionid=1/admin',
      '/public/%252e%252e/admin',
      '/public/%2e%2e/admin',
      '/public/..%2fadmin',
      '/public/..\\admin',
      '/public//admin',
      '/public/./x',
      '/public/x%00',
      '/public/%ef%bc%8e%ef%bc%8e/admin',
      '/healthz;x',
      '/healthz%3b',
      '/.well-known/../admin',
      '/img/%2e%2e/x.png',
      // the review's: a proxy that decodes reads `?`/`#` as the end of the path
      '/admin/secret.html%3F.css',
      '/admin/secret.html%3f.css',
      '/admin/secret.html%23.css',
      '/public/a%20b.txt',
      '/public/%2a.css',
      // PATH_INFO: the origin runs /admin/x.php
      '/admin/x.php/.css',
      '/admin/x.php/y.css',
      '/public/../admin/x.php/.css',
    ]) {
      expect(bypass(uri), uri).toBe(false);
    }
  });

  it('still bypass plain paths, with harmless encodings', () => {
    for (const uri of [
      '/public/app.css',
      '/public/%41pp-%7e_%5F.js',
      '/public/v1.2/app.js',
      '/public/x.php/y',
      '/public/deep/er/file.js',
      '/healthz',
      '/.well-known/acme-challenge/token_1-2',
      '/img/logo.png',
      '/api/v1/status',
    ]) {
      expect(bypass(uri), uri).toBe(true);
      expect(isCanonicalPath(uri)).toBe(true);
    }
    expect(bypass('/public/%C3%A9t%C3%A9.html')).toBe(false); // beyond ASCII: through the password check (fail closed)
  });
});

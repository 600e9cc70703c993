// What a person sees when the site asks for credentials and they cancel the
// prompt (or have none): a short HTML page that says the site is protected
// and how to get access, in the configured words. Nothing in it helps an
// attacker: no secret name, no version, no time, no server detail; the realm
// is already public in WWW-Authenticate. Clients that do not ask for HTML
// (curl, scripts) get one line of text. Built once per container, when first needed.

import type { CloudFrontHeaders, CloudFrontResultResponse } from '../edge-auth/cloudfront.js';
import { headerValues } from '../edge-auth/cloudfront.js';
import { ROBOTS_HEADER } from './robots.js';

export const DEFAULT_ACCESS_HINT =
  'Ask your team for the username and password. Anyone allowed to read the secret can print them with `basicauth show-creds`.';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** `code` spans in the hint become <code>; everything else is text. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

function html(realm: string, hint: string): string {
  // one line per element is only for reading here: whitespace between them renders as nothing, and the
  // CloudFront function carries this page within its 10 KB
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(realm)}: sign-in required</title>
<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f7f9;color:#1d2330}
main{max-width:34rem;margin:1.5rem;padding:2rem 2.25rem;background:#fff;border:1px solid #dde1e7;border-radius:12px;box-shadow:0 1px 3px #0000000d}
h1{margin:.4rem 0 .5rem;font-size:1.35rem}p{margin:.5rem 0}.lock{display:block}.lock,small{color:#5b6475}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef1f5;padding:.1em .35em;border-radius:4px}
@media (prefers-color-scheme:dark){body{background:#12151b;color:#e5e8ee}main{background:#1a1f27;border-color:#2b323d}code{background:#262d38}small{color:#9aa3b2}}
</style></head>
<body><main>
<svg class="lock" aria-hidden="true" width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/></svg>
<h1>This site is protected</h1>
<p>${escapeHtml(realm)} asks for a username and password before it shows anything.</p>
<p>${inline(hint)}</p>
<p><small>Already have them? Reload the page to get the sign-in prompt again.</small></p>
</main></body></html>
`.replace(/>\n</g, '><');
}

const SECURITY_HEADERS: Array<[string, string]> = [
  ['Cache-Control', 'no-store'],
  ['X-Robots-Tag', ROBOTS_HEADER],
  ['Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
];

/** What both engines send with a 401: the page, the line for clients that do not want HTML, and the headers. */
export interface ChallengeParts {
  html: string;
  text: string;
  /** WWW-Authenticate and the security headers (Content-Type is chosen per request) */
  headers: Array<[string, string]>;
}

export function challengeParts(realm: string, accessHint: string): ChallengeParts {
  return {
    html: html(realm, accessHint),
    text: `401 Unauthorized: this site is protected. ${accessHint.replace(/`/g, '')}\n`,
    headers: [['WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`], ...SECURITY_HEADERS],
  };
}

export const wantsHtml = (accept: readonly string[] | undefined): boolean =>
  (accept ?? []).some((v) => v.includes('text/html'));

/** The 401 for a request: HTML when it accepts text/html, one line of text otherwise. */
export function challengeResponder(
  realm: string,
  accessHint: string,
): (headers: CloudFrontHeaders | undefined) => CloudFrontResultResponse {
  // Both answers are built once, at the first 401 (not at a cold start, whose
  // first request usually passes), and never changed by anyone: a 401 is the hot path of a flood.
  let built: { html: CloudFrontResultResponse; text: CloudFrontResultResponse } | undefined;
  const answers = () => {
    const parts = challengeParts(realm, accessHint);
    const answer = (contentType: string, body: string): CloudFrontResultResponse => {
      const headers: CloudFrontHeaders = {};
      for (const [key, value] of [...parts.headers, ['Content-Type', contentType] as [string, string]])
        headers[key.toLowerCase()] = Object.freeze([Object.freeze({ key, value })]) as CloudFrontHeaders[string];
      return Object.freeze({ status: '401', statusDescription: 'Unauthorized', headers: Object.freeze(headers), body });
    };
    return {
      html: answer('text/html; charset=utf-8', parts.html),
      text: answer('text/plain; charset=utf-8', parts.text),
    };
  };
  return (headers) => {
    built ??= answers();
    return wantsHtml(headerValues(headers, 'accept')) ? built.html : built.text;
  };
}

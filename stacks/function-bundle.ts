// Builds the CloudFront Functions engine's function (runtime cloudfront-js-2.0)
// from handlers/cloudfront-function with the edge settings baked in. The runtime
// takes one script whose top-level `handler` it calls, at most 10 KB, written
// in ES 5.1 plus const/let, arrow functions, template literals, ** and
// async/await: esbuild targets exactly that set, so syntax the runtime lacks
// (classes, for-of, destructuring, spread, optional chaining…) fails this
// build instead of the deploy.

import { join } from 'node:path';
import { resolveEdgeAuthConfig, type EdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { parseCidrOrUndefined, type Cidr } from '../handlers/shared/cidr.js';
import { challengeParts } from '../handlers/shared/pages.js';
import { bypassSource } from '../handlers/shared/path-patterns.js';
import type { FunctionConfig } from '../handlers/cloudfront-function/types.js';
import { PACKAGE_ROOT } from './bundle.js';

import { FUNCTION_CODE_LIMIT } from '../handlers/cloudfront-function/limits.js';

export { FUNCTION_CODE_LIMIT };
export const FUNCTION_RUNTIME = 'cloudfront-js-2.0';

// What cloudfront-js-2.0 supports beyond ES 5.1 (its documented core features).
export const RUNTIME_SYNTAX = {
  'const-and-let': true,
  arrow: true,
  'template-literal': true,
  'async-await': true,
  'exponent-operator': true,
  'regexp-sticky-and-unicode-flags': true,
} as const;

export interface FunctionBundle {
  code: string;
  bytes: number;
  edgeConfig: EdgeAuthConfig;
}

export class FunctionBundleError extends Error {
  override name = 'FunctionBundleError';
}

export function functionConfigOf(edge: EdgeAuthConfig): FunctionConfig {
  return {
    bypass: bypassSource(edge.bypassPaths),
    cidrs: edge.allowCidrs.map((c) => parseCidrOrUndefined(c) as Cidr),
    cors: edge.cors,
    stripAuthorization: edge.stripAuthorization,
    retryAfterSeconds: edge.retryAfterSeconds,
    challenge: challengeParts(edge.realm, edge.accessHint),
  };
}

/** The function's code for these edge settings (validated like the Lambda@Edge engine's). */
export async function bundleFunction(
  edgeConfigInput: unknown,
  entry = join(PACKAGE_ROOT, 'handlers/cloudfront-function/index.ts'),
): Promise<FunctionBundle> {
  const edgeConfig = resolveEdgeAuthConfig(edgeConfigInput);
  const { build, transform } = await import('esbuild');
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es5',
      supported: RUNTIME_SYNTAX,
      external: ['cloudfront', 'crypto'],
      // identifiers stay: the runtime calls `handler` by name
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      charset: 'utf8',
      define: {
        __BASICAUTH_FUNCTION_CONFIG__: JSON.stringify(functionConfigOf(edgeConfig)),
        __BASICAUTH_USES_BYPASS__: String(edgeConfig.bypassPaths.length > 0),
        __BASICAUTH_USES_CIDRS__: String(edgeConfig.allowCidrs.length > 0),
        __BASICAUTH_USES_CORS__: String(edgeConfig.cors !== undefined),
      },
      logLevel: 'silent',
    });
  } catch (error) {
    const errors =
      (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
    const first = errors[0];
    throw new FunctionBundleError(
      first
        ? `the CloudFront function does not build for ${FUNCTION_RUNTIME}: ${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}`
        : String(error),
    );
  }
  // The runtime calls a top-level `handler`; an ES export of it is not part of the language it runs.
  const bundled = (result.outputFiles?.[0]?.text ?? '').replace(/export\s*\{\s*handler\s*\};?\s*$/, '');
  // Shorter names: minified again as a script, with the module imports set aside and put back in front. A
  // script's top-level names are globals esbuild keeps, so the bundle goes inside a function (whose names it
  // shortens) and a top-level `handler` calls the one it returns.
  const imports: string[] = [];
  const body = bundled.replace(/import\s*\w+\s*from\s*"(?:cloudfront|crypto)";/g, (line) => {
    imports.push(line);
    return '';
  });
  const script = `var basicauth=(()=>{${body}\nreturn handler})();async function handler(event){return basicauth(event)}`;
  const minified = await transform(script, {
    minify: true,
    target: 'es5',
    supported: RUNTIME_SYNTAX,
    legalComments: 'none',
    charset: 'utf8',
  });
  const code = `${imports.join('')}${minified.code}`.trimEnd();
  if (!/(^|[;}\s])async function handler\(/.test(code) || /\bexport\b\s*[{*]/.test(code)) {
    throw new FunctionBundleError('the CloudFront function bundle has no top-level `async function handler(event)`');
  }
  const bytes = Buffer.byteLength(code);
  if (bytes > FUNCTION_CODE_LIMIT)
    throw new FunctionBundleError(
      `the CloudFront function is ${bytes} bytes; CloudFront allows ${FUNCTION_CODE_LIMIT} (shorten edge.accessHint or the bypass paths)`,
    );
  return { code: `${code}\n`, bytes: bytes + 1, edgeConfig };
}

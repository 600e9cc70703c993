// Builds the two Lambda bundles with esbuild and packs each into a
// deterministic zip. Used by `basicauth build` now, and by `deploy` and `dev`.
// No CDKTF here: synth only needs the zip paths and hashes this returns.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveEdgeAuthConfig, type EdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { deterministicZip } from './zip.js';

export type HandlerName = 'edge-auth' | 'rotate';

/** The package root: the nearest directory above this file (source, or the bundled CLI in dist/) with basicauth's package.json. */
export const PACKAGE_ROOT = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = resolve(dir, '..')) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'basicauth')
        return dir;
    } catch {
      // not here
    }
    if (dir === resolve(dir, '..'))
      throw new Error(`basicauth: cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
  }
})();

export const HANDLER_ENTRIES: Record<HandlerName, string> = {
  'edge-auth': join(PACKAGE_ROOT, 'handlers/edge-auth/index.ts'),
  rotate: join(PACKAGE_ROOT, 'handlers/rotate/index.ts'),
};

// Lambda@Edge viewer functions may be 1 MB zipped.
export const EDGE_ZIP_LIMIT = 1024 * 1024;

export interface BundleOptions {
  handler: HandlerName;
  /** required for edge-auth: validated, then baked in */
  edgeConfig?: unknown;
  /** another entry file (benchmarks build variants of the edge handler) */
  entry?: string;
  /**
   * Bundle the AWS SDK instead of relying on the one in the Lambda runtime
   * (for running a bundle where node_modules is not reachable). The rotation
   * function always bundles its own: it needs the KeyValueStore client and the
   * SigV4A signer, whose versions must agree with the rest of the SDK.
   */
  bundleAwsSdk?: boolean;
  minify?: boolean;
}

export interface Bundle {
  handler: HandlerName;
  /** `index.mjs`: Lambda handler string `index.handler` */
  fileName: string;
  code: Buffer;
  zip: Buffer;
  codeBytes: number;
  zipBytes: number;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256 */
  sha256: string;
  edgeConfig?: EdgeAuthConfig;
}

export async function bundleHandler(options: BundleOptions): Promise<Bundle> {
  const { build } = await import('esbuild');
  const edgeConfig = options.handler === 'edge-auth' ? resolveEdgeAuthConfig(options.edgeConfig) : undefined;
  const bundlesSdk = options.bundleAwsSdk ?? options.handler === 'rotate';
  const result = await build({
    entryPoints: [options.entry ?? HANDLER_ENTRIES[options.handler]],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: options.minify ?? true,
    legalComments: 'none',
    // ASCII: one character beyond it and V8 holds the whole source as a two-byte
    // string, twice the memory to allocate (and collect) at every cold start.
    charset: 'ascii',
    external: bundlesSdk ? [] : ['@aws-sdk/*', '@smithy/*'],
    define: edgeConfig ? { __BASICAUTH_EDGE_CONFIG__: JSON.stringify(edgeConfig) } : {},
    // The SDK, when bundled, is CommonJS that calls require() for built-ins. Only then: importing
    // node:module costs the edge's cold start about a millisecond for nothing.
    ...(bundlesSdk
      ? {
          banner: {
            js: "import { createRequire as __basicauthRequire } from 'node:module'; const require = __basicauthRequire(import.meta.url);",
          },
        }
      : {}),
    logLevel: 'silent',
  });
  const output = result.outputFiles?.[0];
  if (!output) throw new Error(`esbuild produced no output for ${options.handler}`);
  const code = Buffer.from(output.contents);
  const fileName = 'index.mjs';
  const zip = await deterministicZip([{ name: fileName, data: code }]);
  if (options.handler === 'edge-auth' && zip.length > EDGE_ZIP_LIMIT) {
    throw new Error(
      `edge-auth bundle is ${zip.length} bytes zipped; Lambda@Edge viewer functions allow ${EDGE_ZIP_LIMIT}`,
    );
  }
  return {
    handler: options.handler,
    fileName,
    code,
    zip,
    codeBytes: code.length,
    zipBytes: zip.length,
    sha256: createHash('sha256').update(zip).digest('base64'),
    ...(edgeConfig ? { edgeConfig } : {}),
  };
}

export interface WrittenBundle extends Omit<Bundle, 'code' | 'zip'> {
  zipPath: string;
  codePath: string;
}

/** Writes `<outDir>/<handler>.zip` and the unpacked `<outDir>/<handler>/index.mjs`. */
export async function writeBundle(bundle: Bundle, outDir: string): Promise<WrittenBundle> {
  const zipPath = resolve(outDir, `${bundle.handler}.zip`);
  const codePath = resolve(outDir, bundle.handler, bundle.fileName);
  await mkdir(dirname(codePath), { recursive: true });
  await Promise.all([writeFile(zipPath, bundle.zip), writeFile(codePath, bundle.code)]);
  const { code: _code, zip: _zip, ...rest } = bundle;
  return { ...rest, zipPath, codePath };
}

// Synthesis: bundles, the stack, cdk.tf.json. The only module that builds
// the CDKTF app (DESIGN: CDKTF stays in stacks/ and the synth op).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { edgeConfigFor, engineOf, type Config } from '../cli/project/config.js';
import { BasicauthStack, STACK_NAME } from './basicauth-stack.js';
import { bundleHandler, type Bundle } from './bundle.js';
import { bundleFunction, type FunctionBundle } from './function-bundle.js';

export interface SynthResult {
  outdir: string;
  stackDir: string;
  file: string;
  resources: Array<{ type: string; name: string }>;
  bundles: Array<{ handler: string; zipBytes: number; sha256: string }>;
}

export async function synthesize(config: Config, outdir = 'cdktf.out', bundles?: { edgeAuth?: Bundle; edgeFunction?: FunctionBundle; rotate: Bundle }): Promise<SynthResult> {
  const root = resolve(outdir);
  const stackDir = join(root, 'stacks', STACK_NAME);
  const functionEngine = engineOf(config) === 'cloudfront-function';
  const built = {
    rotate: bundles?.rotate ?? (await bundleHandler({ handler: 'rotate' })),
    edgeAuth: functionEngine ? undefined : (bundles?.edgeAuth ?? (await bundleHandler({ handler: 'edge-auth', edgeConfig: edgeConfigFor(config) }))),
    edgeFunction: functionEngine ? (bundles?.edgeFunction ?? (await bundleFunction(edgeConfigFor(config)))) : undefined,
  };
  await mkdir(root, { recursive: true });
  const app = new App({ outdir: root, skipValidation: false });
  new BasicauthStack(app, STACK_NAME, {
    config,
    stackDir,
    assets: {
      ...(built.edgeAuth ? { edgeAuth: { path: '${path.module}/assets/edge-auth.zip', sha256: built.edgeAuth.sha256 } } : {}),
      ...(built.edgeFunction ? { edgeFunctionCode: built.edgeFunction.code } : {}),
      rotate: { path: '${path.module}/assets/rotate.zip', sha256: built.rotate.sha256 },
    },
  });
  app.synth();
  await mkdir(join(stackDir, 'assets'), { recursive: true });
  await Promise.all([...(built.edgeAuth ? [writeFile(join(stackDir, 'assets/edge-auth.zip'), built.edgeAuth.zip)] : []), writeFile(join(stackDir, 'assets/rotate.zip'), built.rotate.zip)]);
  const file = join(stackDir, 'cdk.tf.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as { resource?: Record<string, Record<string, unknown>> };
  const resources = Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => ({ type, name })));
  return {
    outdir: root,
    stackDir,
    file,
    resources,
    bundles: [...(built.edgeAuth ? [built.edgeAuth] : []), built.rotate].map((b) => ({ handler: b.handler, zipBytes: b.zipBytes, sha256: b.sha256 })),
  };
}

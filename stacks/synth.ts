// Synthesis: bundles, the stack, cdk.tf.json. The only module that builds
// the CDKTF app (DESIGN: CDKTF stays in stacks/ and the synth op).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { edgeConfigFor, engineOf, type Config } from '../cli/project/config.js';
import { BasicauthStack, STACK_NAME } from './basicauth-stack.js';
import { bundleHandler, type Bundle } from './bundle.js';
import { STACK_ENGINES } from './engines/index.js';
import type { EngineBuild } from './engines/types.js';

export interface SynthResult {
  outdir: string;
  stackDir: string;
  file: string;
  resources: Array<{ type: string; name: string }>;
  bundles: Array<{ handler: string; zipBytes: number; sha256: string }>;
}

/** `prebuilt`: bundles made already (tests share them between stacks); the rest are built here. */
export async function synthesize(
  config: Config,
  outdir = 'cdktf.out',
  prebuilt: { engine?: EngineBuild; rotate?: Bundle } = {},
): Promise<SynthResult> {
  const root = resolve(outdir);
  const stackDir = join(root, 'stacks', STACK_NAME);
  const [engine, rotate] = await Promise.all([
    prebuilt.engine ?? STACK_ENGINES[engineOf(config)].build(edgeConfigFor(config)),
    prebuilt.rotate ?? bundleHandler({ handler: 'rotate' }),
  ]);
  await mkdir(root, { recursive: true });
  const app = new App({ outdir: root, skipValidation: false });
  new BasicauthStack(app, STACK_NAME, {
    config,
    stackDir,
    engine,
    assets: { rotate: { path: '${path.module}/assets/rotate.zip', sha256: rotate.sha256 } },
  });
  app.synth();
  await mkdir(join(stackDir, 'assets'), { recursive: true });
  const files: Array<[string, Uint8Array]> = [...Object.entries(engine.assets), ['rotate.zip', rotate.zip]];
  await Promise.all(files.map(([name, data]) => writeFile(join(stackDir, 'assets', name), data)));
  const file = join(stackDir, 'cdk.tf.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as { resource?: Record<string, Record<string, unknown>> };
  const resources = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.keys(byName).map((name) => ({ type, name })),
  );
  return {
    outdir: root,
    stackDir,
    file,
    resources,
    bundles: [...engine.bundles, { handler: rotate.handler, zipBytes: rotate.zipBytes, sha256: rotate.sha256 }],
  };
}

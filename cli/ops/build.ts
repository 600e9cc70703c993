// Bundles both handlers into deployable zips. `deploy` and `dev` call this too.

import { resolve } from 'node:path';
import { EdgeConfigError } from '../../handlers/edge-auth/config.js';
import { CliError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import type { HandlerName, WrittenBundle } from '../../stacks/bundle.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

export interface BuildInput {
  outDir: string;
  edgeConfig: unknown;
  /** cloudfront-function: the CloudFront function's code instead of the Lambda@Edge bundle */
  engine?: EdgeEngineName;
}

export interface BuildResult {
  outDir: string;
  handlers: WrittenBundle[];
  /** the cloudfront-function engine's code (the runtime takes it as is, no zip) */
  function?: { path: string; bytes: number; limit: number };
}

export async function buildHandlers(input: BuildInput, emit: Emit): Promise<BuildResult> {
  const { bundleHandler, writeBundle } = await import('../../stacks/bundle.js');
  const outDir = resolve(input.outDir);
  const handlers: WrittenBundle[] = [];
  let fn: BuildResult['function'];
  if (input.engine === 'cloudfront-function') {
    const [{ bundleFunction, FUNCTION_CODE_LIMIT }, { mkdir, writeFile }] = await Promise.all([
      import('../../stacks/function-bundle.js'),
      import('node:fs/promises'),
    ]);
    emit({ type: 'step.start', id: 'edge-function', title: 'bundle the CloudFront function' });
    try {
      const bundle = await bundleFunction(input.edgeConfig);
      const path = resolve(outDir, 'edge-function.js');
      await mkdir(outDir, { recursive: true });
      await writeFile(path, bundle.code);
      fn = { path, bytes: bundle.bytes, limit: FUNCTION_CODE_LIMIT };
      emit({ type: 'step.done', id: 'edge-function', detail: `${bundle.bytes} of ${FUNCTION_CODE_LIMIT} bytes` });
    } catch (error) {
      emit({ type: 'step.fail', id: 'edge-function', error: error instanceof Error ? error.message : String(error) });
      if (error instanceof EdgeConfigError)
        throw new CliError(error.message, {
          hint: 'fix that value in the flags or the --edge-config file',
          cause: error,
        });
      throw error;
    }
  }
  for (const handler of (input.engine === 'cloudfront-function'
    ? ['rotate']
    : ['edge-auth', 'rotate']) as HandlerName[]) {
    emit({ type: 'step.start', id: handler, title: `bundle ${handler}` });
    try {
      const bundle = await bundleHandler({ handler, edgeConfig: input.edgeConfig });
      handlers.push(await writeBundle(bundle, outDir));
      emit({ type: 'step.done', id: handler, detail: `${bundle.zipBytes} bytes zipped` });
    } catch (error) {
      emit({ type: 'step.fail', id: handler, error: error instanceof Error ? error.message : String(error) });
      if (error instanceof EdgeConfigError) {
        throw new CliError(error.message, {
          hint: 'fix that value in the flags or the --edge-config file',
          cause: error,
        });
      }
      throw error;
    }
  }
  return { outDir, handlers, ...(fn ? { function: fn } : {}) };
}

// Bundles both handlers into deployable zips. `deploy` and `dev` call this too.

import { resolve } from 'node:path';
import { EdgeConfigError } from '../../handlers/edge-auth/config.js';
import { CliError } from '../errors.js';
import type { Emit } from '../events.js';
import type { HandlerName, WrittenBundle } from '../../stacks/bundle.js';

export interface BuildInput {
  outDir: string;
  edgeConfig: unknown;
}

export interface BuildResult {
  outDir: string;
  handlers: WrittenBundle[];
}

export async function buildHandlers(input: BuildInput, emit: Emit): Promise<BuildResult> {
  const { bundleHandler, writeBundle } = await import('../../stacks/bundle.js');
  const outDir = resolve(input.outDir);
  const handlers: WrittenBundle[] = [];
  for (const handler of ['edge-auth', 'rotate'] as HandlerName[]) {
    emit({ type: 'step.start', id: handler, title: `bundle ${handler}` });
    try {
      const bundle = await bundleHandler({ handler, edgeConfig: input.edgeConfig });
      handlers.push(await writeBundle(bundle, outDir));
      emit({ type: 'step.done', id: handler, detail: `${bundle.zipBytes} bytes zipped` });
    } catch (error) {
      emit({ type: 'step.fail', id: handler, error: error instanceof Error ? error.message : String(error) });
      if (error instanceof EdgeConfigError) {
        throw new CliError(error.message, { hint: 'fix that value in the flags or the --edge-config file', cause: error });
      }
      throw error;
    }
  }
  return { outDir, handlers };
}

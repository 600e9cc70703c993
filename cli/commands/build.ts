import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { engineOption, jsonOption } from './options.js';
import { CliError } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

interface BuildOptions {
  out: string;
  edgeConfig?: string;
  secretId?: string;
  secretRegion?: string;
  realm?: string;
  engine?: EdgeEngineName;
  config: string;
  json?: boolean;
}

export function registerBuild(program: Command, ctx: CommandContext): void {
  program
    .command('build')
    .description('bundle the edge and rotation handlers into deployable zips')
    .option('--out <dir>', 'where to write the zips', '.basicauth/build')
    .option(
      '--edge-config <file>',
      'JSON file with the edge settings (secretId, secretRegion, realm, cacheTtlSeconds, ...)',
    )
    .option('--secret-id <id>', 'secret name or ARN the edge reads (default: basicauth)')
    .option('--secret-region <region>', 'home region of the secret (default: AWS_REGION or us-east-1)')
    .option('--realm <realm>', 'realm shown in the browser prompt')
    .addOption(engineOption("the config's edge.engine, else lambda-edge"))
    .option(
      '--config <file>',
      'the project config whose edge settings and engine to build (used when it exists)',
      'basicauth.config.json',
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExample:\n  $ basicauth build --secret-id basicauth/staging --secret-region eu-west-1 --json',
    )
    .action(async (options: BuildOptions) => {
      // in a project, what deploy would build: its edge settings and its engine (flags still win)
      const project = existsSync(options.config)
        ? await (await import('../project/config.js')).loadConfig(options.config)
        : undefined;
      const fromProject = project ? (await import('../project/config.js')).edgeConfigFor(project) : {};
      const engine = options.engine ?? project?.edge.engine;
      const fromFile = options.edgeConfig ? await readEdgeConfig(options.edgeConfig) : {};
      const edgeConfig = {
        secretId: 'basicauth',
        secretRegion: ctx.env.AWS_REGION || 'us-east-1',
        ...fromProject,
        ...fromFile,
        ...(options.secretId ? { secretId: options.secretId } : {}),
        ...(options.secretRegion ? { secretRegion: options.secretRegion } : {}),
        ...(options.realm ? { realm: options.realm } : {}),
      };
      const { buildHandlers } = await import('../ops/build.js');
      const result = await buildHandlers(
        { outDir: options.out, edgeConfig, ...(engine ? { engine } : {}) },
        await ctx.progress({ json: options.json }),
      );
      if (options.json) return ctx.printJson(result);
      const { formatBytes } = await import('../ui/plain.js');
      ctx.print(`Built ${result.handlers.length + (result.function ? 1 : 0)} handlers into ${result.outDir}`);
      if (result.function)
        ctx.print(
          `  ${'function'.padEnd(10)} ${formatBytes(result.function.bytes).padStart(9)} code  (CloudFront allows ${formatBytes(result.function.limit)})  ${result.function.path}`,
        );
      for (const h of result.handlers) {
        ctx.print(
          `  ${h.handler.padEnd(10)} ${formatBytes(h.codeBytes).padStart(9)} code  ${formatBytes(h.zipBytes).padStart(9)} zipped  sha256 ${h.sha256}`,
        );
      }
    });
}

async function readEdgeConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --edge-config ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: 'pass the path of an existing JSON file',
    });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`--edge-config ${path} is not a JSON object (${(error as Error).message})`, {
      hint: 'the file holds one object such as {"secretId": "basicauth/staging", "secretRegion": "eu-west-1"}',
    });
  }
}

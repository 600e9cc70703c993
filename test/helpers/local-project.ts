// A project directory as a new user has it: a basicauth.config.json, a running
// `basicauth dev` in .basicauth/local, and the CLI run there with --local, so
// `deploy --local` applies the synthesized stack with the real terraform.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevProcess, type DevProcess } from './dev-process.js';
import { runCli, runProcess, type CliResult } from './run-cli.js';
import { mirrorCliConfig } from './terraform.js';

export interface LocalProject {
  dir: string;
  stateDir: string;
  dev: DevProcess;
  env: NodeJS.ProcessEnv;
  /** the CLI in the project directory, against the running dev */
  cli(...args: string[]): Promise<CliResult>;
  // biome-ignore lint/suspicious/noExplicitAny: decoded AWS inputs and JSON documents of any shape
  json(...args: string[]): Promise<CliResult & { body: any }>;
  /** plain terraform in the directory `deploy --local` synthesized into */
  terraform(...args: string[]): Promise<CliResult>;
  /** the local cloud's persisted state */
  // biome-ignore lint/suspicious/noExplicitAny: decoded AWS inputs and JSON documents of any shape
  cloudState(): { services: Record<string, any> };
  stop(): Promise<void>;
}

export async function startProject(
  name: string,
  config: Record<string, unknown>,
  devArgs: string[] = [],
): Promise<LocalProject> {
  const dir = await mkdtemp(join(tmpdir(), `basicauth-project-${name}-`));
  await writeFile(join(dir, 'basicauth.config.json'), `${JSON.stringify({ name, ...config }, null, 2)}\n`);
  const env = { TF_CLI_CONFIG_FILE: await mirrorCliConfig(dir) };
  const stateDir = join(dir, '.basicauth/local');
  const dev = await startDevProcess(stateDir, ['--deploy-seconds', '2', ...devArgs], { cwd: dir });
  const cli = (...args: string[]) => runCli([...args, '--local'], { cwd: dir, env });
  return {
    dir,
    stateDir,
    dev,
    env,
    cli,
    json: async (...args: string[]) => {
      const r = await cli(...args, '--json');
      let body: unknown;
      try {
        body = r.stdout ? JSON.parse(r.stdout) : undefined;
      } catch {
        throw new Error(`not one JSON document on stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      }
      return { ...r, body };
    },
    terraform: (...args: string[]) =>
      runProcess('terraform', args, {
        cwd: join(stateDir, 'deployments', name, 'cdktf.out/stacks/basicauth'),
        env: { ...process.env, ...env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      }),
    cloudState: () => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')),
    async stop() {
      dev.child.kill('SIGINT');
      await dev.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What `leftovers` says once a stack is wholly gone. */
export const NOTHING_LEFT = {
  functions: [],
  roles: [],
  policies: [],
  logGroups: [],
  distributions: [],
  originAccessControls: [],
  cloudFrontFunctions: [],
  keyValueStores: [],
  liveSecrets: [],
};

/** What of a stack named `name` the local cloud still holds (the secret a destroy schedules for deletion is reported apart). */
export function leftovers(project: LocalProject, name: string) {
  const s = project.cloudState().services;
  return {
    functions: (s.lambda?.functions ?? [])
      .map((f: { name: string }) => f.name)
      .filter((n: string) => n.startsWith(`${name}-`)),
    roles: (s.iam?.roles ?? []).map((r: { name: string }) => r.name).filter((n: string) => n.startsWith(`${name}-`)),
    policies: (s.iam?.policies ?? [])
      .map((p: { name: string }) => p.name)
      .filter((n: string) => n.startsWith(`${name}-`)),
    logGroups: (s.logs?.groups ?? [])
      .map((g: { name: string }) => g.name)
      .filter((n: string) => n.includes(`/${name}-`)),
    distributions: (s.cloudfront?.distributions ?? [])
      .filter((d: { config: { Comment?: string } }) => d.config.Comment === `${name} (basicauth)`)
      .map((d: { id: string }) => d.id),
    originAccessControls: (s.cloudfront?.originAccessControls ?? [])
      .map((o: { name: string }) => o.name)
      .filter((n: string) => n.startsWith(`${name}-`)),
    cloudFrontFunctions: (s.cloudfront?.functions ?? [])
      .map((f: { name: string }) => f.name)
      .filter((n: string) => n.startsWith(`${name}-`)),
    keyValueStores: (s.cloudfront?.keyValueStores ?? [])
      .map((k: { name: string }) => k.name)
      .filter((n: string) => n.startsWith(`${name}-`)),
    liveSecrets: (s.secretsmanager?.secrets ?? [])
      .filter(
        (x: { name: string; deletedDate?: number }) => x.name === `basicauth/${name}` && x.deletedDate === undefined,
      )
      .map((x: { name: string }) => x.name),
  };
}

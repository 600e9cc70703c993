// How other commands find a running `basicauth dev`: it writes dev.json into
// its state directory while it runs; `--local` reads it back and checks that
// the process is alive and answering.

import { readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../core/errors.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

export const DEFAULT_STATE_DIR = '.basicauth/local';

export interface DevInfo {
  pid: number;
  stateDir: string;
  endpoint: string;
  edgeUrl: string;
  region: string;
  secretId: string;
  secretName: string;
  distributionId: string;
  edgeFunctionName: string;
  rotateFunctionName: string;
  startedAt: string;
  /** the live dashboard (no passwords) */
  dashboardUrl?: string;
  /** the edge engine (absent: lambda-edge, as before engines) */
  engine?: EdgeEngineName;
  /** the CloudFront Functions engine's store of digests */
  keyValueStoreArn?: string;
  /** the config (absolute path) dev took its settings from: its own site previews that project */
  config?: string;
}

const infoFile = (stateDir: string) => join(resolve(stateDir), 'dev.json');

export function writeDevInfo(info: DevInfo): void {
  const file = infoFile(info.stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function clearDevInfo(stateDir: string): void {
  rmSync(infoFile(stateDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running dev for `stateDir`, or undefined when none runs there. */
export function findDev(stateDir = DEFAULT_STATE_DIR): DevInfo | undefined {
  let info: DevInfo;
  try {
    info = JSON.parse(readFileSync(infoFile(stateDir), 'utf8')) as DevInfo;
  } catch {
    return undefined;
  }
  return alive(info.pid) ? info : undefined;
}

/** Like findDev, but a missing dev is an error that says how to start one. */
export async function requireDev(stateDir = DEFAULT_STATE_DIR): Promise<DevInfo> {
  const info = findDev(stateDir);
  if (!info) {
    throw new CliError(`no running \`basicauth dev\` found in ${resolve(stateDir)}`, {
      hint: 'start it with `npx basicauth dev` (in another terminal), or pass --state-dir where it runs',
    });
  }
  try {
    const { localRequest } = await import('../local/light-http.js');
    const res = await localRequest(`${info.endpoint}/_local/health`);
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  } catch (error) {
    throw new CliError(
      `basicauth dev (pid ${info.pid}) does not answer at ${info.endpoint}: ${(error as Error).message}`,
      {
        hint: 'restart `npx basicauth dev`',
      },
    );
  }
  return info;
}

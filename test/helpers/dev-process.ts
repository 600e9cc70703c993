// Starts the real `basicauth dev` as a user would (bin/basicauth.js), on free
// ports, and waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { BIN } from './run-cli.js';

export interface DevProcess {
  child: ChildProcess;
  info: {
    edgeUrl: string;
    endpoint: string;
    stateDir: string;
    secretId: string;
    distributionId: string;
    pid: number;
    dashboardUrl?: string;
  };
  stderr(): string;
  exited: Promise<number | null>;
}

export function startDevProcess(
  stateDir: string,
  extra: string[] = [],
  { quiet = true, cwd = dirname(stateDir) }: { quiet?: boolean; cwd?: string } = {},
): Promise<DevProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'dev',
      '--json',
      ...(quiet ? ['--quiet'] : []),
      '--port',
      '0',
      '--api-port',
      '0',
      '--state-dir',
      stateDir,
      ...extra,
    ],
    {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      stderr += String(error);
      resolve(null);
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not get ready in 20 s:\n${stderr}`)), 20_000);
    child.stdout!.on('data', (c) => {
      stdout += c;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(line), stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dev exited with ${code} before it was ready:\n${stderr}`));
    });
  });
}

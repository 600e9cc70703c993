// Debian's Chromium, driven by playwright-core, with the flags it needs here
// (headless, no sandbox as root, no GPU). Tests skip, saying why, where it is missing (.ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { startDevProcess, type DevProcess } from './dev-process.js';
import { runCli } from './run-cli.js';

export const CHROMIUM = process.env.BASICAUTH_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context (its own credentials and cookies) for the length of `run`. */
export async function withContext<T>(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0],
  run: (context: BrowserContext) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext(options);
  try {
    return await run(context);
  } finally {
    await context.close();
  }
}

/** A project with this edge config, `basicauth dev` serving it, and Chromium: what the browser tests start from. */
export interface BrowserSite {
  dev: DevProcess;
  browser: Browser;
  /** --local and the dev's state directory, for CLI runs */
  local(): string[];
  /** the current credentials, as show-creds prints them */
  credentials(): Promise<{ username: string; password: string }>;
  stop(): Promise<void>;
}

export async function startBrowserSite(
  name: string,
  edge: Record<string, unknown>,
  devArgs: string[] = [],
): Promise<BrowserSite> {
  const cwd = await mkdtemp(join(tmpdir(), `basicauth-${name}-`));
  const config = join(cwd, 'basicauth.config.json');
  await writeFile(
    config,
    JSON.stringify({
      name,
      region: 'us-east-1',
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
      edge,
    }),
  );
  const dev = await startDevProcess(join(cwd, 'state'), ['--config', config, ...devArgs], { cwd });
  const browser = await launchChromium();
  const local = () => ['--local', '--state-dir', dev.info.stateDir];
  return {
    dev,
    browser,
    local,
    async credentials() {
      const [username, password] = (await runCli(['show-creds', ...local(), '--format', 'curl'])).stdout
        .trim()
        .split(/:(.*)/s) as [string, string];
      return { username, password };
    },
    async stop() {
      await browser.close();
      dev.child.kill('SIGTERM');
      await dev.exited;
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

// Runs terraform (or tofu) in the synthesized stack directory and turns its
// machine-readable output (-json) into progress events and a result.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import { whileRunning } from '../core/interrupt.js';
import { shellArg } from '../ui/shell.js';

export interface TerraformBinary {
  path: string;
  name: 'terraform' | 'tofu';
}

export function findTerraform(env: NodeJS.ProcessEnv): TerraformBinary {
  const explicit = env.BASICAUTH_TERRAFORM;
  if (explicit) return { path: explicit, name: explicit.endsWith('tofu') ? 'tofu' : 'terraform' };
  for (const name of ['terraform', 'tofu'] as const) {
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return { path: candidate, name };
      } catch {
        // not here
      }
    }
  }
  throw new CliError('terraform was not found on PATH (nor tofu)', {
    hint: 'install Terraform >= 1.6 (developer.hashicorp.com/terraform/install) or OpenTofu, or set BASICAUTH_TERRAFORM to its path',
  });
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  address?: string | undefined;
}

export interface PlannedChange {
  address: string;
  action: string;
}

export interface TerraformRun {
  code: number;
  diagnostics: Diagnostic[];
  planned: PlannedChange[];
  summary: { add: number; change: number; remove: number } | undefined;
  outputs: Record<string, unknown> | undefined;
  /** the last lines of human output, for commands run without -json */
  tail: string[];
  /** everything terraform printed on stdout (for `output -json`) */
  stdout: string;
  /** Ctrl-C reached it: 1 stopped cleanly (state saved), 2 or more forced */
  interrupted?: number;
  /** where it ran (the stack directory) */
  cwd?: string;
}

interface UiMessage {
  type?: string;
  '@message'?: string;
  hook?: { resource?: { addr?: string }; action?: string; elapsed_seconds?: number; id_value?: string };
  change?: { resource?: { addr?: string }; action?: string };
  changes?: { add?: number; change?: number; remove?: number };
  diagnostic?: { severity?: string; summary?: string; detail?: string; address?: string };
  outputs?: Record<string, { value?: unknown }>;
}

const VERBS: Record<string, string> = {
  create: 'create',
  update: 'update',
  delete: 'destroy',
  replace: 'replace',
  read: 'read',
  noop: 'keep',
};

/** Folds one line of `terraform … -json` into the run, emitting progress. Exported for tests with recorded streams. */
export function consumeLine(line: string, run: TerraformRun, emit: Emit): void {
  let m: UiMessage;
  try {
    m = JSON.parse(line) as UiMessage;
  } catch {
    if (line.trim()) run.tail = [...run.tail.slice(-19), line];
    return;
  }
  const addr = m.hook?.resource?.addr ?? m.change?.resource?.addr ?? '';
  switch (m.type) {
    case 'planned_change':
      run.planned.push({ address: addr, action: m.change?.action ?? 'unknown' });
      return;
    case 'change_summary':
      run.summary = { add: m.changes?.add ?? 0, change: m.changes?.change ?? 0, remove: m.changes?.remove ?? 0 };
      return;
    case 'apply_start':
      emit({ type: 'step.start', id: addr, title: `${VERBS[m.hook?.action ?? ''] ?? m.hook?.action} ${addr}` });
      return;
    case 'apply_progress':
      if ((m.hook?.elapsed_seconds ?? 0) % 30 === 0)
        emit({ type: 'log', level: 'info', message: `${addr}: still working after ${m.hook?.elapsed_seconds} s` });
      return;
    case 'apply_complete':
      emit({ type: 'step.done', id: addr, ...(m.hook?.id_value ? { detail: m.hook.id_value } : {}) });
      return;
    case 'apply_errored':
      emit({ type: 'step.fail', id: addr, error: 'failed' });
      return;
    case 'diagnostic': {
      const d = m.diagnostic ?? {};
      const diagnostic: Diagnostic = {
        severity: d.severity === 'error' ? 'error' : 'warning',
        summary: d.summary ?? '',
        detail: d.detail ?? '',
        address: d.address,
      };
      run.diagnostics.push(diagnostic);
      if (diagnostic.severity === 'warning')
        emit({
          type: 'log',
          level: 'warn',
          message: `${diagnostic.summary}${diagnostic.address ? ` (${diagnostic.address})` : ''}`,
        });
      return;
    }
    case 'outputs':
      run.outputs = Object.fromEntries(Object.entries(m.outputs ?? {}).map(([k, v]) => [k, v.value]));
      return;
    default:
      return;
  }
}

/** A run before terraform has said anything (the stream parser fills it in). */
export function emptyRun(cwd?: string): TerraformRun {
  return {
    code: 0,
    diagnostics: [],
    planned: [],
    summary: undefined,
    outputs: undefined,
    tail: [],
    stdout: '',
    ...(cwd ? { cwd } : {}),
  };
}

export function runTerraform(
  bin: TerraformBinary,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; emit: Emit },
): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    // Its own process group: a Ctrl-C in the terminal reaches basicauth alone, which passes terraform
    // exactly one interrupt per Ctrl-C (two at once would make terraform stop without saving its state).
    const child = spawn(bin.path, args, {
      cwd: options.cwd,
      env: { ...options.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const run = emptyRun(options.cwd);
    const release = whileRunning((count) => {
      run.interrupted = count;
      child.kill('SIGINT');
      options.emit({
        type: 'log',
        level: 'warn',
        message:
          count === 1
            ? `interrupt: ${bin.name} ${args[0]} is stopping cleanly (it finishes the resources under way and saves the state); press Ctrl-C again to force it`
            : `interrupt again: ${bin.name} stops at once; what it was creating may be missing from the state`,
      });
    });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      run.stdout += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) consumeLine(line, run, options.emit);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) run.tail = [...run.tail.slice(-19), line];
    });
    child.on('error', (error) => {
      release();
      reject(
        new CliError(`could not run ${bin.path}: ${error.message}`, {
          hint: 'check that terraform is installed and executable',
        }),
      );
    });
    child.on('close', (code) => {
      release();
      if (buffer) consumeLine(buffer, run, options.emit);
      run.code = code ?? 1;
      resolve(run);
    });
  });
}

/** A failed run as an error: the diagnostics terraform gave, or the end of its output. */
export function terraformFailure(what: string, run: TerraformRun, hint: string): CliError {
  const errors = run.diagnostics.filter((d) => d.severity === 'error');
  const lock = errors.find((d) => /state lock/i.test(d.summary));
  if (lock) return stateLocked(what, lock, run.cwd);
  const body = errors.length
    ? errors
        .map(
          (d) => `${d.summary}${d.address ? ` (${d.address})` : ''}${d.detail ? `: ${d.detail.split('\n')[0]}` : ''}`,
        )
        .join('\n  ')
    : run.tail.slice(-8).join('\n  ');
  return new CliError(`${what} failed:\n  ${body}`, { hint });
}

/** Another run holds the state lock: who, since when, and how to release a lock nobody holds any more. */
function stateLocked(what: string, lock: Diagnostic, cwd: string | undefined): CliError {
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+?)\\s*$`, 'm').exec(lock.detail)?.[1];
  const id = field('ID');
  const who = field('Who');
  const created = field('Created');
  const operation = field('Operation')
    ?.replace(/^OperationType/, '')
    .toLowerCase();
  const by = [
    operation ? `${/^[aeiou]/.test(operation) ? 'an' : 'a'} ${operation}` : undefined,
    who ? `by ${who}` : undefined,
    created ? `since ${created.replace(/\.\d+.*$/, '')} UTC` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const tf = what.split(' ')[0] ?? 'terraform';
  return new CliError(`${what} failed: another deploy holds the state lock${by ? ` (${by})` : ''}`, {
    hint: `wait for it to finish, then run this again; if none is running (it was killed, or its machine went away), release the lock: ${cwd ? `cd ${shellArg(cwd)} && ` : ''}${tf} force-unlock${id ? ` ${id}` : ' <ID>'}`,
  });
}

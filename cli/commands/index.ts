// Every command of the CLI, in the order `basicauth --help` lists them. main.ts
// registers each on the program with the same context, so every command gets
// the same --json failure document, the same exit codes and the same error
// output (see main.ts); a command module adds its options and its action.

import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { registerAttach } from './attach.js';
import { registerBuild } from './build.js';
import { registerSynthAndDeploy } from './deploy.js';
import { registerDev } from './dev.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerPublish } from './publish.js';
import { registerRotate } from './rotate.js';
import { registerShowCreds } from './show-creds.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerTokens } from './tokens.js';
import { registerUsers } from './users.js';
import { registerVerify } from './verify.js';

export interface CommandModule {
  /** the command names it adds (some add two: synth and deploy, attach and detach) */
  names: readonly string[];
  register(program: Command, ctx: CommandContext): void;
}

export const COMMANDS: readonly CommandModule[] = [
  { names: ['init'], register: registerInit },
  { names: ['synth', 'plan', 'deploy', 'destroy'], register: registerSynthAndDeploy },
  { names: ['build'], register: registerBuild },
  { names: ['dev'], register: registerDev },
  { names: ['show-creds'], register: registerShowCreds },
  { names: ['rotate'], register: registerRotate },
  { names: ['verify'], register: registerVerify },
  { names: ['publish'], register: registerPublish },
  { names: ['status'], register: registerStatus },
  { names: ['logs'], register: registerLogs },
  { names: ['users'], register: registerUsers },
  { names: ['tokens'], register: registerTokens },
  { names: ['sync'], register: registerSync },
  { names: ['attach', 'detach'], register: registerAttach },
];

// Options shared by every command that talks to AWS or to `basicauth dev`.
import type { Command } from 'commander';
import { DEFAULT_STATE_DIR } from '../local/discover.js';

export type { TargetFlags as TargetOptions } from '../target.js';

/** For commands that also touch the edge: the function and the distribution. */
export function addEdgeOptions(command: Command): Command {
  return command
    .option('--function <name>', 'edge function name or ARN in us-east-1 (default: the recorded one)')
    .option('--distribution <id>', 'CloudFront distribution id (default: the recorded one)');
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--local', 'work against the running `basicauth dev`')
    .option('--state-dir <dir>', `state directory of that dev (default: ${DEFAULT_STATE_DIR})`)
    .option('--region <region>', 'AWS region of the secret (default: AWS_REGION)')
    .option('--profile <name>', 'AWS profile to use (default: AWS_PROFILE)')
    .option('--secret-id <id>', 'secret name or ARN (default: the recorded one)');
}

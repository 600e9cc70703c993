// The AWS CLI v2 as an independent client of the local cloud: Debian's
// /usr/bin/aws by explicit path, with fake credentials and no user config.
import { existsSync } from 'node:fs';
import { runProcess } from './run-cli.js';
import { spawnSync } from 'node:child_process';

export const AWS_V2 = '/usr/bin/aws';
export const haveAwsCli = existsSync(AWS_V2);

export const awsCliEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: 'AKIDCLIENT',
  AWS_SECRET_ACCESS_KEY: 'client',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
});

/** `aws … --endpoint-url <endpoint> --output json`, with the error code it printed, if any. */
export async function awsCli(endpoint: string, ...args: string[]) {
  const r = await runProcess(AWS_V2, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env: awsCliEnv() });
  return { ...r, json: () => JSON.parse(r.stdout), error: /An error occurred \(([^)]+)\)/.exec(r.stderr)?.[1] };
}

/** Whether python3 can import boto3 (the article's rotation and the protocol checks run it). */
export const hasBoto3 = spawnSync('python3', ['-c', 'import boto3']).status === 0;

// The synthesized configuration passes `terraform validate` and an offline
// `terraform plan -refresh=false` with fake credentials, using the provider
// mirror these machines have (see test/helpers/terraform.ts). Skipped, with the reason printed,
// where terraform or the mirror is absent.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '../../cli/project/config.js';
import { silent } from '../../cli/core/events.js';
import { runTerraform } from '../../cli/project/terraform.js';
import { mirrorCliConfig, terraformOrWhy } from '../helpers/terraform.js';
import { synthesize } from '../../stacks/synth.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'basicauth-plan-'));
  env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: await mirrorCliConfig(dir),
    AWS_ACCESS_KEY_ID: 'AKIDOFFLINE',
    AWS_SECRET_ACCESS_KEY: 'offline',
    AWS_EC2_METADATA_DISABLED: 'true',
    TF_PLUGIN_CACHE_DIR: '',
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function plan(name: string, input: ConfigInput) {
  const result = await synthesize(parseConfig(input), join(dir, name));
  // Test-only override: fake credentials must not be checked, and the state stays in the temporary directory.
  const skip = { skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true };
  await writeFile(
    join(result.stackDir, 'zz_offline_override.tf.json'),
    JSON.stringify({
      terraform: { backend: { local: { path: join(dir, `${name}.tfstate`) } } },
      provider: {
        aws: [
          { region: input.region, ...skip },
          ...(input.region === 'us-east-1' ? [] : [{ alias: 'us_east_1', region: 'us-east-1', ...skip }]),
        ],
      },
    }),
  );
  const tf = (args: string[]) => runTerraform(terraform!, args, { cwd: result.stackDir, env, emit: silent });
  const init = await tf(['init', '-input=false', '-no-color']);
  expect(init.code, init.tail.join('\n')).toBe(0);
  const validate = await tf(['validate', '-no-color']);
  expect(validate.code, validate.tail.join('\n')).toBe(0);
  const planned = await tf(['plan', '-refresh=false', '-input=false', '-lock=false', '-json']);
  expect(planned.code, JSON.stringify(planned.diagnostics)).toBe(0);
  const types = planned.planned.map((c) => c.address.split('.')[0]).sort();
  console.info(
    `offline plan (${name}): ${planned.summary?.add} to add: ${[...new Set(types)].map((t) => `${t} ×${types.filter((x) => x === t).length}`).join(', ')}`,
  );
  return planned;
}

// Each plan starts the AWS provider (a 650 MB binary) three times: on a loaded
// 2-core machine that alone can take a minute. This is a budget, not a timing rule.
const PLAN_BUDGET = 240_000;

describe.skipIf(missing('terraform', terraform, why))('terraform offline', () => {
  // The deploy --local tests apply the create, attach and S3 modes for real; this plan covers
  // what the local cloud cannot hold: a customer KMS key and an ACM certificate for aliases.
  it('plans the create mode with a KMS key, a replica, aliases and an ACM certificate', {
    timeout: PLAN_BUDGET,
  }, async () => {
    const planned = await plan('create', {
      name: 'staging',
      region: 'eu-west-1',
      secret: {
        replicaRegions: ['us-east-1'],
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      },
      edge: { graceSeconds: 300 },
      distribution: {
        mode: 'create',
        origin: { type: 'custom', domainName: 'app.example.com' },
        pathPatterns: ['/api/*'],
        aliases: ['staging.example.com'],
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      },
    });
    expect(planned.summary).toEqual({ add: 14, change: 0, remove: 0 });
    expect(planned.planned.every((c) => c.action === 'create')).toBe(true);
    expect(planned.planned.map((c) => c.address)).toContainEqual(
      expect.stringMatching(/^aws_cloudfront_distribution\./),
    );
  });

  it('plans the cloudfront-function engine: a published function, its key value store, no Lambda@Edge, no password', {
    timeout: PLAN_BUDGET,
  }, async () => {
    const planned = await plan('function-engine', {
      name: 'staging-cff',
      region: 'eu-west-1',
      secret: { usernames: ['alice', 'bob'] },
      edge: {
        engine: 'cloudfront-function',
        graceSeconds: 300,
        bypassPaths: ['/health'],
        allowCidrs: ['203.0.113.0/24'],
      },
      distribution: {
        mode: 'create',
        origin: { type: 'custom', domainName: 'app.example.com' },
        pathPatterns: ['/api/*'],
      },
    });
    expect(planned.summary?.change).toBe(0);
    const addresses = planned.planned.map((c) => c.address);
    expect(addresses).toContainEqual(expect.stringMatching(/^aws_cloudfront_function\./));
    expect(addresses).toContainEqual(expect.stringMatching(/^aws_cloudfront_key_value_store\./));
    expect(addresses.filter((a) => a.startsWith('aws_lambda_function.'))).toHaveLength(1); // the rotation function only
    const { readFile } = await import('node:fs/promises');
    const synthesized = await readFile(join(dir, 'function-engine', 'stacks', 'basicauth', 'cdk.tf.json'), 'utf8');
    const tf = JSON.parse(synthesized) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const distribution = Object.values(tf.resource.aws_cloudfront_distribution ?? {})[0] as {
      default_cache_behavior: { function_association: unknown[]; lambda_function_association?: unknown[] };
    };
    expect(distribution.default_cache_behavior.function_association).toHaveLength(1);
    expect(distribution.default_cache_behavior.lambda_function_association ?? []).toHaveLength(0);
    const fn = Object.values(tf.resource.aws_cloudfront_function ?? {})[0] as {
      runtime: string;
      publish: boolean;
      code: string;
    };
    expect(fn).toMatchObject({ runtime: 'cloudfront-js-2.0', publish: true });
    expect(Buffer.byteLength(fn.code)).toBeLessThanOrEqual(10 * 1024);
    // no password and no digest anywhere in the configuration Terraform holds
    expect(synthesized).not.toMatch(/"password"|SecretString|secret_string/i);
  });
});

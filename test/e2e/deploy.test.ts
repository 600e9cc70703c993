// init, synth, deploy and destroy through the CLI binary. deploy/destroy run
// against a stand-in terraform that replays recorded -json streams
// (test/fixtures/terraform), so the runner's arguments, progress, confirmation
// and failure reporting are tested without AWS.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consumeLine, emptyRun, type TerraformRun } from '../../cli/project/terraform.js';
import type { OpEvent } from '../../cli/core/events.js';
import { runCli } from '../helpers/run-cli.js';

const FAKE = fileURLToPath(new URL('../fixtures/terraform/fake-terraform.mjs', import.meta.url));
let cwd: string;
let log: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'basicauth-deploy-'));
  log = join(cwd, 'terraform-calls.jsonl');
});
afterEach(() => rm(cwd, { recursive: true, force: true }));

// CloudFront as deploy's protection check reads it afterwards: the recorded
// distribution, its behaviors running the recorded function version (or not).
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:staging-edge-auth:1';
let apiRunsFunction = true;
let cloudfront: Server;
beforeAll(async () => {
  const behavior = (pattern: string | undefined, runs: boolean) =>
    `${pattern ? `<PathPattern>${pattern}</PathPattern>` : ''}<TargetOriginId>origin</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy><LambdaFunctionAssociations><Quantity>${runs ? 1 : 0}</Quantity>${runs ? `<Items><LambdaFunctionAssociation><LambdaFunctionARN>${FUNCTION}</LambdaFunctionARN><EventType>viewer-request</EventType></LambdaFunctionAssociation></Items>` : ''}</LambdaFunctionAssociations>`;
  cloudfront = createServer((req, res) => {
    // Secrets Manager as deploy's first-password check reads it: the secret already has a current value
    if (req.headers['x-amz-target'] === 'secretsmanager.DescribeSecret') {
      return void res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
        JSON.stringify({
          ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:basicauth/staging-AbCdEf',
          VersionIdsToStages: { v1: ['AWSCURRENT'] },
        }),
      );
    }
    // CloudWatch Logs as deploy's retention step reads it: the edge has not logged anywhere yet
    if (req.headers['x-amz-target'] === 'Logs_20140328.DescribeLogGroups') {
      return void res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ logGroups: [] }));
    }
    if (req.url !== '/2020-05-31/distribution/E2QWRUHAPOMQZL/config') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'text/xml', etag: 'E1' })
      .end(
        `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>r</CallerReference><DefaultCacheBehavior>${behavior(undefined, true)}</DefaultCacheBehavior><CacheBehaviors><Quantity>1</Quantity><Items><CacheBehavior>${behavior('/api/*', apiRunsFunction)}</CacheBehavior></Items></CacheBehaviors><Comment></Comment><Enabled>true</Enabled></DistributionConfig>`,
      );
  });
  await new Promise<void>((r) => cloudfront.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise((r) => cloudfront.close(r)));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, {
    cwd,
    env: {
      BASICAUTH_TERRAFORM: FAKE,
      FAKE_TF_LOG: log,
      AWS_ENDPOINT_URL_CLOUDFRONT: `http://127.0.0.1:${(cloudfront.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(cloudfront.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: `http://127.0.0.1:${(cloudfront.address() as AddressInfo).port}`,
      ...env,
    },
  });
const calls = () =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).args as string[]);
const init = () => cli(['init', '--yes', '--name', 'staging', '--region', 'eu-west-1', '--origin', 'app.example.com']);

describe('init and synth', () => {
  it('work in an empty directory with flags, and init never overwrites without --force', async () => {
    const first = await init();
    expect(first.code, first.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(cwd, 'basicauth.config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'staging',
      region: 'eu-west-1',
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
    });
    const again = await init();
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists\n.*fix: pass --force/);
    const synth = await cli(['synth', '--json']);
    expect(synth.code, synth.stderr).toBe(0);
    const result = JSON.parse(synth.stdout);
    expect(result.resources).toHaveLength(14);
    expect(existsSync(join(cwd, 'cdktf.out/stacks/basicauth/assets/edge-auth.zip'))).toBe(true);
  });

  it('takes the attach mode, S3 origins and an S3 state bucket from flags', async () => {
    const attach = await cli([
      'init',
      '--yes',
      '--name',
      'gate',
      '--region',
      'us-east-1',
      '--distribution-id',
      'E2QWRUHAPOMQZL',
      '--users',
      'alice,bob',
      '--schedule',
      'rate(7 days)',
      '--state-bucket',
      'team-state',
      '--json',
    ]);
    expect(attach.code, attach.stderr).toBe(0);
    expect(JSON.parse(attach.stdout)).toMatchObject({
      distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL' },
      secret: { usernames: ['alice', 'bob'] },
      rotation: { schedule: 'rate(7 days)' },
      backend: { type: 's3', bucket: 'team-state', region: 'us-east-1' },
    });
    const s3 = await cli([
      'init',
      '--yes',
      '--force',
      '--name',
      'docs',
      '--region',
      'eu-west-1',
      '--origin',
      's3://docs-bucket.eu-west-1',
    ]);
    expect(s3.code, s3.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'basicauth.config.json'), 'utf8')).distribution.origin).toEqual({
      type: 's3',
      bucket: 'docs-bucket',
      bucketRegion: 'eu-west-1',
    });
    // a Tokyo site gets edge locations in Asia, and init says which class and why
    const tokyo = await cli([
      'init',
      '--yes',
      '--force',
      '--name',
      'docs',
      '--region',
      'ap-northeast-1',
      '--origin',
      'app.example.jp',
    ]);
    expect(tokyo.code, tokyo.stderr).toBe(0);
    expect(tokyo.stdout).toMatch(
      /Price class PriceClass_200: CloudFront serves from .*most of Asia.*covers ap-northeast-1; change distribution\.priceClass/,
    );
    expect(JSON.parse(readFileSync(join(cwd, 'basicauth.config.json'), 'utf8')).distribution.priceClass).toBe(
      'PriceClass_200',
    );
  });

  it('asks for what it needs without a terminal only through flags, and names them', async () => {
    const r = await cli(['init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/init needs origin to protect/i);
  });

  it('explains a missing or broken config', async () => {
    const missing = await cli(['synth']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no basicauth.config.json in .*\n.*fix: create one with `basicauth init`/);
    await writeFile(join(cwd, 'basicauth.config.json'), '{"name": "x",');
    const broken = await cli(['synth']);
    expect(broken.stderr).toMatch(/basicauth.config.json is not valid JSON/);
  });
});

describe('deploy', () => {
  beforeEach(async () => void (await init()));

  it('runs init, plan and apply in the stack directory, streams progress and records the outputs', async () => {
    const r = await cli(['deploy', '--yes', '--no-wait']); // (no CloudFront to wait for here)
    expect(r.code, r.stderr).toBe(0);
    // --yes: one apply that plans as it goes
    expect(calls()).toEqual([
      ['init', '-input=false', '-no-color'],
      ['state', 'list', '-no-color'],
      ['show', '-json', '-no-color'],
      ['apply', '-auto-approve', '-input=false', '-json'],
      ['output', '-json', '-no-color'],
    ]);
    expect(r.stderr).toMatch(/✔ create aws_secretsmanager_secret\.secret_D2F9FB97/);
    expect(r.stderr).toMatch(/still working after 30 s/);
    expect(r.stdout).toMatch(/Deployed\. Site: https:\/\/d111111abcdef8\.cloudfront\.net\//);
    expect(r.stderr).toMatch(/✔ check that every cache behavior runs the new version/);
    expect(r.stderr).toMatch(
      /✔ give the edge's log groups their retention 30 days on 0 groups; new regions' groups appear as traffic arrives/,
    );
    const outputs = JSON.parse(readFileSync(join(cwd, '.basicauth/outputs.json'), 'utf8'));
    expect(outputs).toMatchObject({
      name: 'staging',
      region: 'eu-west-1',
      distributionId: 'E2QWRUHAPOMQZL',
      edgeFunctionName: 'staging-edge-auth',
      secretArn: expect.stringContaining(':secret:basicauth/staging'),
    });
  });

  it('fails (exit 1) when a cache behavior does not run the new version afterwards, and names it', async () => {
    apiRunsFunction = false;
    try {
      const r = await cli(['deploy', '--yes', '--no-wait']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /deployed, but \/api\/\* runs no version of the edge function instead of version 1\n.*fix: run `basicauth attach`/,
      );
    } finally {
      apiRunsFunction = true;
    }
  });

  it('refuses to run without a terminal to confirm in, unless --yes', async () => {
    const r = await cli(['deploy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no terminal to ask for confirmation\n.*fix: rerun with --yes/);
    expect(existsSync(log)).toBe(false);
  });

  it('reports what terraform said when apply fails (exit 1), and records nothing', async () => {
    const r = await cli(['deploy', '--yes', '--json'], { FAKE_TF_APPLY: 'apply-failed.jsonl' });
    expect(r.code).toBe(1);
    // --json: the failure as one document on stdout, the same words on stderr
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^terraform apply failed:/), exitCode: 1 },
    });
    expect(r.stderr).toMatch(
      /terraform apply failed:\n {2}creating CloudFront Distribution: InvalidLambdaFunctionAssociation.*\(aws_cloudfront_distribution\.cdn_distribution_0B80AA6B\)/,
    );
    expect(r.stderr).toMatch(/fix: fix the cause and run `basicauth deploy` again/);
    expect(existsSync(join(cwd, '.basicauth/outputs.json'))).toBe(false);
  });

  it('says when terraform is missing and what to install', async () => {
    const r = await runCli(['deploy', '--yes'], { cwd, env: { PATH: '/nonexistent', BASICAUTH_TERRAFORM: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/terraform was not found on PATH \(nor tofu\)\n.*fix: install Terraform/);
  });
});

describe('plan', () => {
  beforeEach(async () => void (await init()));

  it('shows every attribute a deploy would change (sensitive and unknown values hidden), without a terminal, and changes nothing', async () => {
    const show = fileURLToPath(new URL('../fixtures/terraform/show-update.json', import.meta.url));
    const r = await cli(['plan'], { FAKE_TF_SHOW: show });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  ~   aws_secretsmanager_secret_rotation.rotation_2D1E2C1B  (update in place)');
    expect(r.stdout).toContain('        rotation_rules[0].automatically_after_days: 30 (removed)');
    expect(r.stdout).toContain('        rotation_rules[0].schedule_expression: "rate(12 hours)" (added)');
    expect(r.stdout).toContain('        source_code_hash: "abc=" → "def="');
    expect(r.stdout).toContain('        version: "1" → (known after apply)');
    expect(r.stdout).toContain('  -/+ aws_iam_role_policy.rotation_policy_77AA  (replace)');
    expect(r.stdout).toContain('        name: "staging-rotation" → "staging-rotation-v2"  # forces replacement');
    expect(r.stdout).not.toMatch(/policy: |aws_secretsmanager_secret\.secret_D2F9FB97/); // sensitive and unchanged: not shown
    expect(r.stdout).toContain('  -   aws_cloudwatch_log_group.old_0000  (destroy)');
    expect(r.stdout).toContain('To apply: basicauth deploy');
    expect(calls().map((c) => c[0])).toEqual(['init', 'plan', 'show']);
    expect(existsSync(join(cwd, '.basicauth/outputs.json'))).toBe(false);
    const json = await cli(['plan', '--json'], { FAKE_TF_SHOW: show });
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({ changed: true, add: 13 });
    expect(body.resources.find((c: { address: string }) => c.address.startsWith('aws_iam_role_policy'))).toEqual({
      address: 'aws_iam_role_policy.rotation_policy_77AA',
      action: 'replace',
      // a replacement lists what is configured to change, not each attribute "(known after apply)"
      attributes: [
        { path: 'name', before: '"staging-rotation"', after: '"staging-rotation-v2"', forcesReplacement: true },
      ],
    });
  });
});

describe('destroy', () => {
  beforeEach(async () => void (await init()));

  it('destroys and forgets the outputs', async () => {
    await cli(['deploy', '--yes', '--no-wait']);
    const r = await cli(['destroy', '--yes', '--json'], { FAKE_TF_APPLY: 'apply.jsonl' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'destroyed', plan: { remove: 13 } });
    expect(calls().slice(-2)).toEqual([
      ['state', 'list', '-no-color'],
      ['apply', '-destroy', '-auto-approve', '-input=false', '-json'],
    ]);
    expect(existsSync(join(cwd, '.basicauth/outputs.json'))).toBe(false);
  });

  it('says there is nothing to destroy when the state holds nothing, and changes nothing', async () => {
    const r = await cli(['destroy', '--yes'], { FAKE_TF_STATE: 'empty' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Nothing to destroy: the Terraform state holds nothing of staging\./);
    expect(calls().map((c) => c[0])).toEqual(['init', 'state']);
  });

  it('keeps a replicated edge function, says so, and says when to run it again', async () => {
    const r = await cli(['destroy', '--yes'], { FAKE_TF_APPLY: 'apply-destroy-replicated.jsonl' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /everything is destroyed except aws_lambda_function\.edge_function_17291B18: CloudFront keeps replicas/,
    );
    expect(r.stderr).toMatch(/fix: run `basicauth destroy` again in a few hours/);
  });
});

describe('the terraform stream parser', () => {
  it('turns the recorded plan stream into planned changes and a summary', () => {
    const run: TerraformRun = emptyRun();
    const events: OpEvent[] = [];
    for (const line of readFileSync(new URL('../fixtures/terraform/plan.jsonl', import.meta.url), 'utf8').split('\n'))
      consumeLine(line, run, (e) => events.push(e));
    expect(run.summary).toEqual({ add: 13, change: 0, remove: 0 });
    expect(run.planned).toHaveLength(13);
    expect(run.planned[0]).toEqual({ address: 'aws_iam_role.edge_role_48CC1BFE', action: 'create' });
    expect(events).toEqual([]);
    consumeLine('not json', run, () => {});
    expect(run.tail).toEqual(['not json']);
  });
});

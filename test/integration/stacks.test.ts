// The synthesized Terraform configuration: every security property, both
// distribution modes, replicas, backends, and one snapshot per mode.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '../../cli/project/config.js';
import { STACK_ENGINES } from '../../stacks/engines/index.js';
import { synthesize } from '../../stacks/synth.js';
import { bundleHandler, type Bundle } from '../../stacks/bundle.js';

// biome-ignore lint/suspicious/noExplicitAny: decoded AWS inputs and JSON documents of any shape
type Json = Record<string, any>;

let dir: string;
let rotate: Bundle;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'basicauth-synth-'));
  rotate = await bundleHandler({ handler: 'rotate' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base: ConfigInput = {
  name: 'staging',
  region: 'eu-west-1',
  distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' }, pathPatterns: ['/api/*'] },
};
let n = 0;
async function synth(patch: Partial<ConfigInput> = {}): Promise<{ json: Json; text: string }> {
  const config = parseConfig({ ...base, ...patch });
  const { edgeConfigFor } = await import('../../cli/project/config.js');
  const engine = await STACK_ENGINES['lambda-edge'].build(edgeConfigFor(config));
  const result = await synthesize(config, join(dir, `out-${++n}`), { engine, rotate });
  const text = readFileSync(result.file, 'utf8');
  return { json: JSON.parse(text), text };
}
const only = (json: Json, type: string): Json => {
  const all = Object.values(json.resource?.[type] ?? {}) as Json[];
  expect(all, type).toHaveLength(1);
  return all[0]!;
};
const policy = (p: Json): Json => p.policy && JSON.parse(p.policy.replace(/^\$\{jsonencode\((.*)\)\}$/s, '$1'));
// Policies are jsonencode() of HCL objects that hold references; read them as
// text with HCL's `" = ` and `, ` folded to JSON's `":` and `,`.
const policyText = (p: Json): string => String(p.policy).replace(/" = /g, '":').replace(/, /g, ',');
/** A policy's statements, Terraform references kept as strings ("aws_….arn", "replace(…)"). */
const statementsOf = (p: Json): Json[] => {
  const text = policyText(p)
    .replace(/^\$\{jsonencode\(/, '')
    .replace(/\)\}$/, '')
    .replace(/\$\{[^}]*\}/g, (m) => m.replace(/"/g, "'").replace(/[,:[]/g, '~'))
    .replace(/replace\([^)]*\)/g, (m) => JSON.stringify(m))
    .replace(
      /([:[,])(aws_[a-z0-9_]+\.[A-Za-z0-9_]+\.[a-z_]+)/g,
      (_m, before: string, ref: string) => `${before}"${ref}"`,
    );
  return (JSON.parse(text) as { Statement: Json[] }).Statement.map((st) => ({ policy: p.name, ...st }));
};

describe('synthesized stack (create mode)', () => {
  let json: Json;
  let text: string;
  beforeAll(async () => ({ json, text } = await synth()));

  it('puts the edge function in us-east-1 on nodejs22.x, published, without environment variables', () => {
    const edge = (Object.values(json.resource.aws_lambda_function) as Json[]).find(
      (f) => f.function_name === 'staging-edge-auth',
    )!;
    expect(edge).toMatchObject({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      publish: true,
      timeout: 5,
      memory_size: 128,
      provider: 'aws.us_east_1',
    });
    expect(edge.environment).toBeUndefined();
    expect(edge.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(json.provider.aws).toEqual([
      expect.objectContaining({ region: 'eu-west-1' }),
      expect.objectContaining({ region: 'us-east-1', alias: 'us_east_1' }),
    ]);
  });

  it('trusts lambda and edgelambda for the edge role, and lets it read exactly this secret', () => {
    const roles = Object.values(json.resource.aws_iam_role) as Json[];
    const edgeRole = roles.find((r) => r.name === 'staging-edge-auth')!;
    expect(policyText({ policy: edgeRole.assume_role_policy })).toContain(
      '"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]',
    );
    const edgePolicy = (Object.values(json.resource.aws_iam_role_policy) as Json[]).find(
      (p) => p.name === 'read-this-secret',
    )!;
    const t = policyText(edgePolicy);
    expect(t).toContain(
      '"Action":"secretsmanager:GetSecretValue","Resource":[aws_secretsmanager_secret.secret_D2F9FB97.arn]',
    );
    expect(t).not.toMatch(/secretsmanager:\*|"Resource":"\*"/);
    expect(t).toContain('log-group:/aws/lambda/us-east-1.staging-edge-auth:*');
  });

  it('limits the rotation role to this secret plus GetRandomPassword', () => {
    const p = policyText(
      (Object.values(json.resource.aws_iam_role_policy) as Json[]).find((x) => x.name === 'rotate-this-secret')!,
    );
    expect(p).toContain(
      '"Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage"],"Resource":aws_secretsmanager_secret.secret_D2F9FB97.arn}',
    );
    expect(p.match(/"Resource":"\*"/g)).toHaveLength(1);
    expect(p).toContain('"Action":"secretsmanager:GetRandomPassword","Resource":"*"');
    const permission = only(json, 'aws_lambda_permission');
    expect(permission).toMatchObject({
      principal: 'secretsmanager.amazonaws.com',
      action: 'lambda:InvokeFunction',
      source_arn: '${aws_secretsmanager_secret.secret_D2F9FB97.arn}',
    });
  });

  it('enables rotation without rotating (deploy creates the first password) and holds no secret value or password anywhere', () => {
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(only(json, 'aws_secretsmanager_secret_rotation')).toMatchObject({
      rotate_immediately: false,
      rotation_rules: { automatically_after_days: 30 },
    });
    expect(text).not.toMatch(/secret_string|SecretString|"password"\s*:/i);
    const rotation = (Object.values(json.resource.aws_lambda_function) as Json[]).find(
      (f) => f.function_name === 'staging-rotate',
    )!;
    expect(Object.keys(rotation.environment.variables).sort()).toEqual([
      'BASICAUTH_EXCLUDE_CHARACTERS',
      'BASICAUTH_PASSWORD_LENGTH',
      'BASICAUTH_USERNAMES',
    ]);
  });

  it('associates the function by qualified ARN with the default behavior and each path pattern, HTTPS only', () => {
    const d = only(json, 'aws_cloudfront_distribution');
    const association = [
      {
        event_type: 'viewer-request',
        include_body: false,
        lambda_arn: '${aws_lambda_function.edge_function_17291B18.qualified_arn}',
      },
    ];
    expect(d.default_cache_behavior).toMatchObject({
      lambda_function_association: association,
      viewer_protocol_policy: 'redirect-to-https',
    });
    expect(d.ordered_cache_behavior).toEqual([
      expect.objectContaining({ path_pattern: '/api/*', lambda_function_association: association }),
    ]);
  });

  it('gives the team a readers and an operators policy and outputs what later commands need', () => {
    const policies = Object.values(json.resource.aws_iam_policy) as Json[];
    expect(policies.map((p) => p.name).sort()).toEqual(['staging-basicauth-operators', 'staging-basicauth-readers']);
    const readers = policyText(policies.find((p) => p.name.endsWith('readers'))!);
    expect(readers).not.toMatch(/RotateSecret|PutSecretValue|UpdateDistribution|PublishVersion/);
    expect(Object.keys(json.output).sort()).toEqual([
      'distribution_domain_name',
      'distribution_id',
      'edge_function_name',
      'edge_function_qualified_arn',
      'edge_function_version',
      'operators_policy_arn',
      'readers_policy_arn',
      'rotation_function_name',
      'secret_arn',
      'secret_name',
    ]);
    expect(json.terraform.backend.local.path).toMatch(/\.basicauth\/terraform\.tfstate$/);
  });

  it('matches the snapshot', () => {
    expect(normalize(json)).toMatchSnapshot();
  });
});

describe('synthesized stack (attach mode and options)', () => {
  it('creates no distribution in attach mode and outputs the given id', async () => {
    const { json } = await synth({ distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL' } });
    expect(json.resource.aws_cloudfront_distribution).toBeUndefined();
    expect(json.output.distribution_id.value).toBe('E2QWRUHAPOMQZL');
    // the distribution is named with the deploying account, not a wildcard one
    const readers = policyText((Object.values(json.resource.aws_iam_policy) as Json[])[0]!);
    expect(readers).toMatch(
      /arn:aws:cloudfront::\$\{element\(split\(":",aws_secretsmanager_secret\.secret_D2F9FB97\.arn\),4\)\}:distribution\/E2QWRUHAPOMQZL/,
    );
    expect(readers).not.toContain('cloudfront::*');
    expect(normalize(json)).toMatchSnapshot();
  });

  it('scopes every policy statement to its resources: KMS through Secrets Manager for this secret only, DescribeSecret only with a grace period', async () => {
    const kms = 'arn:aws:kms:eu-west-1:123456789012:key/abc';
    const statements = (json: Json) =>
      [
        ...(Object.values(json.resource.aws_iam_role_policy) as Json[]),
        ...(Object.values(json.resource.aws_iam_policy) as Json[]),
      ].flatMap(statementsOf);
    const plain = statements((await synth({})).json);
    // "*" only where IAM accepts nothing else (GetRandomPassword acts on no resource; DescribeLogGroups lists and
    // names no group) and for Lambda@Edge's per-region log groups, by their name
    for (const st of plain) {
      const resources = ([] as string[]).concat(st.Resource as string | string[]);
      const wide = resources.filter((r) => r === '*' || /:\*:/.test(r));
      if (st.Sid === 'GeneratePasswords') expect(resources).toEqual(['*']);
      else if (st.Sid === 'FindEdgeLogs')
        expect(resources).toEqual([expect.stringMatching(/^arn:aws:logs:\*:\$\{element\(.*\)\}:log-group:\*$/)]);
      else if (st.Sid === 'ReadEdgeLogs' || st.Sid === 'SetEdgeLogRetention')
        expect(
          resources.every((r) => r.includes(':log-group:/aws/lambda/us-east-1.${aws_lambda_function.edge_function_')),
          JSON.stringify(resources),
        ).toBe(true);
      else if (st.Sid === 'WriteOwnLogs')
        expect(
          resources.every((r) => r.includes('/aws/lambda/') || r.includes('aws_cloudwatch_log_group.')),
          JSON.stringify(resources),
        ).toBe(true);
      else expect(wide, `${st.policy}/${st.Sid}`).toEqual([]);
    }
    expect(plain.find((st) => st.Sid === 'ReadThisSecret')!.Action).toBe('secretsmanager:GetSecretValue');
    const withKms = statements((await synth({ secret: { kmsKeyId: kms }, edge: { graceSeconds: 60 } })).json);
    expect(withKms.find((st) => st.Sid === 'ReadThisSecret')!.Action).toEqual([
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
    ]);
    const keyStatements = withKms.filter((st) => JSON.stringify(st.Action).includes('kms:'));
    expect(keyStatements.map((st) => `${st.policy}/${st.Sid}`).sort()).toEqual([
      'read-this-secret/DecryptSecret',
      'rotate-this-secret/UseSecretKey',
      'staging-basicauth-operators/DecryptSecret',
      'staging-basicauth-readers/DecryptSecret',
    ]);
    for (const st of keyStatements) {
      expect(st.Resource).toBe(kms);
      expect(st.Condition).toMatchObject({
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:SecretARN': expect.stringContaining('aws_secretsmanager_secret.') },
      });
    }
  });

  it("defaults to the cheapest price class that serves the home region's part of the world, and keeps the one the config names", async () => {
    const classOf = async (patch: Partial<ConfigInput>) =>
      only((await synth(patch)).json, 'aws_cloudfront_distribution').price_class;
    expect(await classOf({})).toBe('PriceClass_100'); // eu-west-1
    expect(await classOf({ region: 'ap-northeast-1' })).toBe('PriceClass_200'); // Tokyo: 100 has no edge location in Asia
    expect(await classOf({ region: 'ap-south-1' })).toBe('PriceClass_200');
    expect(await classOf({ region: 'sa-east-1' })).toBe('PriceClass_All');
    expect(await classOf({ region: 'ap-southeast-2' })).toBe('PriceClass_All');
    expect(
      await classOf({
        region: 'ap-northeast-1',
        distribution: { ...base.distribution, priceClass: 'PriceClass_100' } as ConfigInput['distribution'],
      }),
    ).toBe('PriceClass_100');
  });

  it('serves your own host names with an ACM certificate and TLSv1.2_2021, and refuses one without the other', async () => {
    const { json } = await synth({
      distribution: {
        mode: 'create',
        origin: { type: 'custom', domainName: 'app.example.com' },
        aliases: ['staging.example.com'],
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f',
      },
    });
    expect(only(json, 'aws_cloudfront_distribution')).toMatchObject({
      aliases: ['staging.example.com'],
      viewer_certificate: {
        acm_certificate_arn: expect.stringMatching(/^arn:aws:acm:us-east-1:/),
        ssl_support_method: 'sni-only',
        minimum_protocol_version: 'TLSv1.2_2021',
      },
    });
    await expect(
      synth({
        distribution: {
          mode: 'create',
          origin: { type: 'custom', domainName: 'app.example.com' },
          aliases: ['staging.example.com'],
        },
      }),
    ).rejects.toThrow(/aliases and certificateArn go together/);
  });

  it('replicates the secret and lets the edge read every replica', async () => {
    const { json } = await synth({
      secret: {
        replicaRegions: ['us-west-2', 'ap-northeast-1'],
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      },
    });
    expect(only(json, 'aws_secretsmanager_secret')).toMatchObject({
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      replica: [{ region: 'us-west-2' }, { region: 'ap-northeast-1' }],
    });
    const p = policyText(
      (Object.values(json.resource.aws_iam_role_policy) as Json[]).find((x) => x.name === 'read-this-secret')!,
    );
    expect(p).toContain('replace(aws_secretsmanager_secret.secret_D2F9FB97.arn,":eu-west-1:",":us-west-2:")');
    expect(p).toContain('"Action":"kms:Decrypt"');
  });

  it('keeps literal ${ and %{ in settings from being read as Terraform templates', async () => {
    const { json } = await synth({ secret: { excludeCharacters: '${x}%{y}' } });
    const rotation = (Object.values(json.resource.aws_lambda_function) as Json[]).find(
      (f) => f.function_name === 'staging-rotate',
    )!;
    expect(rotation.environment.variables.BASICAUTH_EXCLUDE_CHARACTERS).toBe('$${x}%%{y}');
  });

  it('uses one provider when the home region is us-east-1, and an S3 backend with locking when asked', async () => {
    const { json } = await synth({
      region: 'us-east-1',
      backend: { type: 's3', bucket: 'team-state', region: 'us-east-1' },
    });
    expect(json.provider.aws).toHaveLength(1);
    expect(json.terraform.backend.s3).toEqual({
      bucket: 'team-state',
      key: 'basicauth/terraform.tfstate',
      region: 'us-east-1',
      encrypt: true,
      use_lockfile: true,
    });
    const edge = (Object.values(json.resource.aws_lambda_function) as Json[]).find(
      (f) => f.function_name === 'staging-edge-auth',
    )!;
    expect(edge.provider).toBe('aws');
  });

  it('serves S3 origins through origin access control and outputs the bucket policy to add', async () => {
    const { json } = await synth({
      distribution: { mode: 'create', origin: { type: 's3', bucket: 'site-bucket', bucketRegion: 'eu-west-1' } },
    });
    expect(only(json, 'aws_cloudfront_origin_access_control')).toMatchObject({
      origin_access_control_origin_type: 's3',
      signing_behavior: 'always',
    });
    expect(only(json, 'aws_cloudfront_distribution').origin[0].domain_name).toBe(
      'site-bucket.s3.eu-west-1.amazonaws.com',
    );
    expect(json.output.s3_bucket_policy.value).toContain('arn:aws:s3:::site-bucket/*');
  });
});

function normalize(json: Json): Json {
  return JSON.parse(
    JSON.stringify(json)
      .replace(/"source_code_hash":"[^"]+"/g, '"source_code_hash":"<sha256>"')
      .replace(/"path":"[^"]*terraform\.tfstate"/g, '"path":"<state>"')
      .replace(/"version":"\d+\.\d+\.\d+"/g, '"version":"<version>"')
      .replace(/"BASICAUTH_EXCLUDE_CHARACTERS":"(?:[^"\\]|\\.)*"/g, '"BASICAUTH_EXCLUDE_CHARACTERS":"<chars>"'),
  );
}
void policy;

describe('synthesized stack (cloudfront-function engine)', () => {
  let json: Json;
  let text: string;
  beforeAll(async () => {
    const config = parseConfig({
      ...base,
      secret: { usernames: ['alice', 'bob'] },
      edge: { engine: 'cloudfront-function', graceSeconds: 120 },
    });
    const result = await synthesize(config, join(dir, `out-${++n}`), { rotate });
    text = readFileSync(result.file, 'utf8');
    json = JSON.parse(text);
  });

  it('publishes a cloudfront-js-2.0 function under 10 KB, associated with its key value store and every behavior', () => {
    const fn = only(json, 'aws_cloudfront_function');
    expect(fn).toMatchObject({ name: 'staging-edge-auth', runtime: 'cloudfront-js-2.0', publish: true });
    expect(fn.key_value_store_associations).toEqual([
      expect.stringMatching(/^\$\{aws_cloudfront_key_value_store\.[A-Za-z0-9_]+\.arn\}$/),
    ]);
    expect(Buffer.byteLength(fn.code)).toBeLessThanOrEqual(10 * 1024);
    expect(fn.code).toMatch(/^import cf from"cloudfront";/);
    const d = only(json, 'aws_cloudfront_distribution');
    for (const b of [d.default_cache_behavior, ...d.ordered_cache_behavior]) {
      expect(b.function_association).toEqual([
        { event_type: 'viewer-request', function_arn: expect.stringMatching(/aws_cloudfront_function\..*\.arn/) },
      ]);
      expect(b.lambda_function_association ?? []).toEqual([]);
    }
    expect(json.resource.aws_lambda_function).toBeDefined();
    expect(Object.values(json.resource.aws_lambda_function as Json).map((f) => (f as Json).function_name)).toEqual([
      'staging-rotate',
    ]);
  });

  it('lets the rotation function write that one store, and the team read it (operators: publish and sync)', () => {
    const store =
      (json.resource.aws_cloudfront_key_value_store as Json) &&
      Object.keys(json.resource.aws_cloudfront_key_value_store)[0];
    const storeRef = `aws_cloudfront_key_value_store.${store}.arn`;
    const rotation = only(json, 'aws_lambda_function');
    expect(rotation.environment.variables).toMatchObject({
      BASICAUTH_KVS_ARN: `\${${storeRef}}`,
      BASICAUTH_GRACE_SECONDS: '120',
    });
    const rotationStatements = statementsOf(only(json, 'aws_iam_role_policy'));
    expect(rotationStatements.find((s) => s.Sid === 'PublishDigests')).toMatchObject({
      Action: [
        'cloudfront-keyvaluestore:DescribeKeyValueStore',
        'cloudfront-keyvaluestore:ListKeys',
        'cloudfront-keyvaluestore:UpdateKeys',
      ],
      Resource: storeRef,
    });
    const policies = Object.values(json.resource.aws_iam_policy as Json) as Json[];
    const readers = statementsOf(policies.find((p) => p.name.endsWith('-readers'))!);
    const operators = statementsOf(policies.find((p) => p.name.endsWith('-operators'))!);
    expect(readers.find((s) => s.Sid === 'ReadDigestStore')).toMatchObject({ Resource: storeRef });
    expect(readers.some((s) => String(s.Action).includes('UpdateKeys'))).toBe(false);
    expect(operators.find((s) => s.Sid === 'PublishDigests')).toMatchObject({
      Action: 'cloudfront-keyvaluestore:UpdateKeys',
      Resource: storeRef,
    });
    expect(JSON.stringify([...readers, ...operators])).not.toMatch(/lambda:/);
  });

  it('outputs the store for later commands and holds no password', () => {
    expect(json.output.key_value_store_arn.value).toMatch(/aws_cloudfront_key_value_store/);
    expect(text).not.toMatch(/"password"|secret_string|SecretString/i);
  });

  it('refuses attach mode, naming the fix', () => {
    expect(() =>
      parseConfig({
        ...base,
        edge: { engine: 'cloudfront-function' },
        distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL' },
      }),
    ).toThrow(/works with distribution.mode "create" only/);
  });
});

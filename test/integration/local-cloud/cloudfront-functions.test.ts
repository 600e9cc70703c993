// CloudFront Functions and KeyValueStores in the local cloud, through clients
// we did not write: the AWS SDK (CloudFront, and the KeyValueStore data plane
// signed with SigV4A), the AWS CLI v2 (functions) and boto3 (stores).
import {
  CreateFunctionCommand,
  CreateKeyValueStoreCommand,
  DeleteKeyValueStoreCommand,
  DescribeFunctionCommand,
  DescribeKeyValueStoreCommand,
  PublishFunctionCommand,
  TestFunctionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  DescribeKeyValueStoreCommand as DescribeStoreData,
  GetKeyCommand,
  ListKeysCommand,
  PutKeyCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKvsClient } from '../../../handlers/shared/kvs-client.js';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';
import { awsCli, awsCliEnv, haveAwsCli, hasBoto3 } from '../../helpers/aws-cli.js';
import { runProcess } from '../../helpers/run-cli.js';
import { missing } from '../../helpers/tools.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

const code = (body: string) => new TextEncoder().encode(body);
const READER =
  "import cf from 'cloudfront'; async function handler(event) { var v = await cf.kvs().get('greeting'); event.request.headers['x-greeting'] = { value: v }; return event.request; }";
const kvs = () =>
  createKvsClient({ endpoint: t.cloud.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });

describe('functions and stores through the AWS SDK', () => {
  it('creates a store, a function reading it, publishes it and tests it; ETags guard every change', async () => {
    const store = await t.cf.send(new CreateKeyValueStoreCommand({ Name: 'sdk-store', Comment: 'test' }));
    const arn = store.KeyValueStore!.ARN!;
    expect(arn).toMatch(/^arn:aws:cloudfront::000000000000:key-value-store\/[0-9a-f-]{36}$/);
    expect((await t.cf.send(new DescribeKeyValueStoreCommand({ Name: 'sdk-store' }))).KeyValueStore?.Status).toBe(
      'READY',
    );

    const created = await t.cf.send(
      new CreateFunctionCommand({
        Name: 'sdk-fn',
        FunctionConfig: {
          Comment: 'c',
          Runtime: 'cloudfront-js-2.0',
          KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: arn }] },
        },
        FunctionCode: code(READER),
      }),
    );
    expect(created.FunctionSummary).toMatchObject({
      Name: 'sdk-fn',
      Status: 'UNPUBLISHED',
      FunctionMetadata: { Stage: 'DEVELOPMENT' },
    });
    await expect(t.cf.send(new PublishFunctionCommand({ Name: 'sdk-fn', IfMatch: 'stale' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    const published = await t.cf.send(new PublishFunctionCommand({ Name: 'sdk-fn', IfMatch: created.ETag }));
    expect(published.FunctionSummary?.FunctionMetadata?.Stage).toBe('LIVE');
    const live = await t.cf.send(new DescribeFunctionCommand({ Name: 'sdk-fn', Stage: 'LIVE' }));
    expect(live.FunctionSummary?.Status).toBe('UNASSOCIATED');

    // the data plane: SigV4A, ETag-conditional writes
    const data = kvs();
    const { ETag } = await data.send(new DescribeStoreData({ KvsARN: arn }));
    const put = await data.send(new PutKeyCommand({ KvsARN: arn, Key: 'greeting', Value: 'hello', IfMatch: ETag }));
    await expect(
      data.send(new PutKeyCommand({ KvsARN: arn, Key: 'greeting', Value: 'again', IfMatch: ETag })),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    expect((await data.send(new GetKeyCommand({ KvsARN: arn, Key: 'greeting' }))).Value).toBe('hello');

    const dev = await t.cf.send(new DescribeFunctionCommand({ Name: 'sdk-fn' }));
    const event = {
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '1.2.3.4' },
      request: { method: 'GET', uri: '/', querystring: {}, headers: {}, cookies: {} },
    };
    const tested = await t.cf.send(
      new TestFunctionCommand({
        Name: 'sdk-fn',
        IfMatch: dev.ETag,
        Stage: 'LIVE',
        EventObject: code(JSON.stringify(event)),
      }),
    );
    expect(tested.TestResult?.FunctionErrorMessage ?? '').toBe('');
    expect(JSON.parse(tested.TestResult?.FunctionOutput ?? '{}').headers['x-greeting']).toEqual({ value: 'hello' });

    await expect(
      t.cf.send(new DeleteKeyValueStoreCommand({ Name: 'sdk-store', IfMatch: store.ETag })),
    ).rejects.toMatchObject({ name: 'CannotDeleteEntityWhileInUse' });
    expect(put.ETag).not.toBe(ETag);
    data.destroy();
  });

  it('refuses code the runtime would refuse, at publish, and code over 10 KB at once', async () => {
    const created = await t.cf.send(
      new CreateFunctionCommand({
        Name: 'bad-fn',
        FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: code("import fs from 'fs'; function handler(e) { return e.request; }"),
      }),
    );
    await expect(t.cf.send(new PublishFunctionCommand({ Name: 'bad-fn', IfMatch: created.ETag }))).rejects.toThrow(
      /"fs" is not available/,
    );
    const updated = t.cf.send(
      new UpdateFunctionCommand({
        Name: 'bad-fn',
        IfMatch: created.ETag,
        FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: code('x'.repeat(10 * 1024 + 1)),
      }),
    );
    await expect(updated).rejects.toMatchObject({ name: 'FunctionSizeLimitExceeded' });
  });

  it('updates keys in batches of 50 at most, lists them page by page, and keeps the limits', async () => {
    const store = await t.cf.send(new CreateKeyValueStoreCommand({ Name: 'batches' }));
    const arn = store.KeyValueStore!.ARN!;
    const data = kvs();
    let { ETag } = await data.send(new DescribeStoreData({ KvsARN: arn }));
    const puts = (from: number) =>
      Array.from({ length: 50 }, (_, i) => ({ Key: `k${String(from + i).padStart(3, '0')}`, Value: 'v' }));
    ETag = (await data.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: ETag, Puts: puts(0) }))).ETag;
    ETag = (
      await data.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: ETag, Puts: puts(50), Deletes: [{ Key: 'k000' }] }))
    ).ETag;
    await expect(
      data.send(
        new UpdateKeysCommand({ KvsARN: arn, IfMatch: ETag, Puts: [...puts(100), { Key: 'one-more', Value: 'v' }] }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      data.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: ETag, Puts: [{ Key: 'big', Value: 'x'.repeat(1025) }] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await data.send(
        new ListKeysCommand({ KvsARN: arn, MaxResults: 50, ...(token ? { NextToken: token } : {}) }),
      );
      keys.push(...(page.Items ?? []).map((i) => i.Key!));
      token = page.NextToken;
    } while (token);
    expect(keys).toHaveLength(99);
    expect(keys).not.toContain('k000');
    await expect(data.send(new GetKeyCommand({ KvsARN: arn, Key: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    data.destroy();
  });
});

describe.skipIf(missing('the AWS CLI v2', haveAwsCli))('functions through the AWS CLI v2', () => {
  it('creates, describes, publishes and tests a function', { timeout: 300_000 }, async () => {
    const aws = (...args: string[]) => awsCli(t.cloud.endpoint, ...args);
    const fn = 'function handler(event) { event.request.headers["x-cli"] = { value: "yes" }; return event.request; }';
    const created = await aws(
      'cloudfront',
      'create-function',
      '--name',
      'cli-fn',
      '--function-config',
      'Comment=cli,Runtime=cloudfront-js-2.0',
      '--function-code',
      Buffer.from(fn).toString('base64'),
    );
    expect(created.code, created.stderr).toBe(0);
    const etag = created.json().ETag as string;
    const published = await aws('cloudfront', 'publish-function', '--name', 'cli-fn', '--if-match', etag);
    expect(published.code, published.stderr).toBe(0);
    expect(published.json().FunctionSummary.FunctionMetadata.Stage).toBe('LIVE');
    const event = {
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '1.2.3.4' },
      request: { method: 'GET', uri: '/', querystring: {}, headers: {}, cookies: {} },
    };
    const tested = await aws(
      'cloudfront',
      'test-function',
      '--name',
      'cli-fn',
      '--if-match',
      etag,
      '--stage',
      'LIVE',
      '--event-object',
      Buffer.from(JSON.stringify(event)).toString('base64'),
    );
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.json().TestResult.FunctionOutput).headers['x-cli']).toEqual({ value: 'yes' });
    const missing = await aws('cloudfront', 'describe-function', '--name', 'nope');
    expect(missing.stderr).toMatch(/NoSuchFunctionExists/);
  });
});

describe.skipIf(missing('boto3', hasBoto3))('stores through boto3', () => {
  it('creates, describes and lists a key value store', { timeout: 120_000 }, async () => {
    const script = `
import boto3, json, sys
cf = boto3.client('cloudfront', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
made = cf.create_key_value_store(Name='boto-store', Comment='from boto3')
described = cf.describe_key_value_store(Name='boto-store')
listed = cf.list_key_value_stores()
print(json.dumps({'arn': made['KeyValueStore']['ARN'], 'etag': bool(described['ETag']), 'status': described['KeyValueStore']['Status'], 'names': [s['Name'] for s in listed['KeyValueStoreList']['Items']]}))
`;
    const r = await runProcess('python3', ['-c', script, t.cloud.endpoint], {
      env: { ...awsCliEnv(), AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ etag: true, status: 'READY' });
    expect(out.names).toContain('boto-store');
  });
});

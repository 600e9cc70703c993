// The SDK v3 Lambda client against the local Lambda API.
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateFunctionConfigurationCommand,
  PreconditionFailedException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceFunction, startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
const SOURCE = `
let coldStarts = 0;
const started = Date.now();
coldStarts++;
export const handler = async (event) => {
  if (event.fail) throw Object.assign(new Error('asked to fail'), { name: 'AskedError' });
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { echo: event, env: process.env.GREETING ?? null, region: process.env.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL, instance: started, coldStarts };
};`;

beforeAll(async () => {
  t = await startTestCloud();
  const { zip } = await sourceFunction(SOURCE);
  await t.cloud.lambda.putFunction({ name: 'echo', zip, description: 'echo v0', timeout: 1 });
});
afterAll(() => t.stop());

const decode = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

describe('local Lambda', () => {
  it('describes a function and its code location', async () => {
    const out = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'echo' }));
    expect(out.Configuration).toMatchObject({
      FunctionName: 'echo',
      Version: '$LATEST',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Description: 'echo v0',
      State: 'Active',
    });
    expect(out.Configuration?.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:echo');
    const zip = await fetch(out.Code!.Location!);
    expect(zip.status).toBe(200);
    expect(
      Buffer.from(await zip.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    await expect(t.lambda.send(new GetFunctionCommand({ FunctionName: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('publishes a version only when code or configuration changed, as AWS does', async () => {
    const v1 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'echo', Description: 'first' }));
    expect(v1.Version).toBe('1');
    expect(v1.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:echo:1');
    const same = await t.lambda.send(
      new PublishVersionCommand({ FunctionName: 'echo', Description: 'a different version description is no change' }),
    );
    expect(same.Version).toBe('1');
    const latest = await t.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Description: 'echo v1' }),
    );
    expect(latest.Description).toBe('echo v1');
    const v2 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
    expect(v2.Version).toBe('2');
    const versions = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'echo' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const page = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'echo', MaxItems: 2 }));
    expect(page.Versions).toHaveLength(2);
    expect(page.NextMarker).toBeDefined();
    const one = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo', Qualifier: '1' }));
    expect(one).toMatchObject({ Version: '1', Description: 'first' });
    expect(
      (
        await t.lambda.send(
          new GetFunctionConfigurationCommand({
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo:2',
          }),
        )
      ).Version,
    ).toBe('2');
    await expect(
      t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo', Qualifier: '9' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a stale RevisionId', async () => {
    await expect(
      t.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Description: 'x', RevisionId: 'stale' }),
      ),
    ).rejects.toBeInstanceOf(PreconditionFailedException);
  });

  it('invokes the bundle with its environment and the local endpoints, one module instance per version', async () => {
    await t.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Environment: { Variables: { GREETING: 'hi' } } }),
    );
    const out = await t.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ n: 1 })) }),
    );
    const body = decode(out.Payload);
    expect(body).toMatchObject({ echo: { n: 1 }, env: 'hi', region: 'us-east-1', endpoint: t.cloud.endpoint });
    const again = decode(
      (await t.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }))).Payload,
    );
    expect(again.instance).toBe(body.instance); // warm: the same module instance
    const v1 = decode(
      (await t.lambda.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '1', Payload: Buffer.from('{}') })))
        .Payload,
    );
    expect(v1.env).toBeNull(); // version 1 was published before the variable existed
    expect(v1.instance).not.toBe(body.instance);
  });

  it('reports function errors and timeouts as Lambda does', async () => {
    const failed = await t.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ fail: true })) }),
    );
    expect(failed.FunctionError).toBe('Unhandled');
    expect(decode(failed.Payload)).toEqual({ errorType: 'AskedError', errorMessage: 'asked to fail' });
    const slow = await t.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ sleep: 3000 })) }),
    );
    expect(decode(slow.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    // the timed-out sandbox is replaced by a fresh one
    const fresh = decode(
      (await t.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }))).Payload,
    );
    expect(fresh.coldStarts).toBe(1);
  });

  it('counts the timeout from the handler call: a slow initialization has its own limit, as on Lambda', async () => {
    const { zip } = await sourceFunction(
      `await new Promise((r) => setTimeout(r, 1500));\nexport const handler = async () => ({ ok: true });`,
    );
    await t.cloud.lambda.putFunction({ name: 'slow-init', zip, description: 'init takes 1.5 s', timeout: 1 });
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'slow-init', Payload: Buffer.from('{}') }));
    expect(out.FunctionError).toBeUndefined();
    expect(decode(out.Payload)).toEqual({ ok: true });
  });
});

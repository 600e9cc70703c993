// The SDK v3 CloudFront client against the local CloudFront API.
import {
  CreateFunctionCommand,
  PublishFunctionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  InvalidIfMatchVersion,
  InvalidLambdaFunctionAssociation,
  ListDistributionsCommand,
  NoSuchDistribution,
  PreconditionFailed,
  UpdateDistributionCommand,
  IllegalUpdate,
} from '@aws-sdk/client-cloudfront';
import { GetFunctionConfigurationCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionConfigXml } from '../../../cli/local/services/cloudfront/config.js';
import { pointViewerRequest, updateDistributionConfig, versionsInUse } from '../../../cli/ops/distribution.js';
import { attach } from '../../../cli/ops/attach.js';
import { waitVersionActive } from '../../../cli/ops/publish.js';
import { CliError } from '../../../cli/core/errors.js';
import { startTestCloud, testBundle, until, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
let id: string;
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:edge';

beforeAll(async () => {
  t = await startTestCloud({ deploySeconds: 1 });
  const edge = await testBundle('edge-auth');
  await t.cloud.lambda.putFunction({ name: 'edge', zip: edge.zip, timeout: 5, region: 'us-east-1' });
  await t.lambda.send(new PublishVersionCommand({ FunctionName: 'edge' }));
  id = t.cloud.cloudfront.createDistribution(
    distributionConfigXml({
      callerReference: 'test',
      comment: 'test distribution',
      origin: { domainName: '127.0.0.1', protocol: 'http', port: 9 },
      viewerRequestArn: `${FN}:1`,
    }),
  ).id;
});
afterAll(() => t.stop());

describe('local CloudFront', () => {
  it('lists and reads distributions, InProgress then Deployed', async () => {
    const list = await t.cf.send(new ListDistributionsCommand({}));
    expect(list.DistributionList?.Quantity).toBe(1);
    expect(list.DistributionList?.Items?.[0]).toMatchObject({ Id: id, Comment: 'test distribution', Enabled: true });
    const got = await t.cf.send(new GetDistributionCommand({ Id: id }));
    expect(got.ETag).toMatch(/^E[A-Z0-9]{13}$/);
    expect(got.Distribution?.DomainName).toMatch(/^d[a-z0-9]{13}\.cloudfront\.net$/);
    expect(got.Distribution?.DistributionConfig?.DefaultCacheBehavior?.LambdaFunctionAssociations?.Items?.[0]).toEqual({
      LambdaFunctionARN: `${FN}:1`,
      EventType: 'viewer-request',
      IncludeBody: false,
    });
    await until(
      async () => (await t.cf.send(new GetDistributionCommand({ Id: id }))).Distribution?.Status === 'Deployed',
      5000,
      'Deployed',
    );
    await expect(t.cf.send(new GetDistributionCommand({ Id: 'ENOSUCHTHING00' }))).rejects.toBeInstanceOf(
      NoSuchDistribution,
    );
  });

  it('replaces the whole config under If-Match and refuses a stale ETag', async () => {
    const before = await t.cf.send(new GetDistributionConfigCommand({ Id: id }));
    const config = before.DistributionConfig!;
    config.Comment = 'changed';
    const updated = await t.cf.send(
      new UpdateDistributionCommand({ Id: id, IfMatch: before.ETag, DistributionConfig: config }),
    );
    expect(updated.Distribution?.Status).toBe('InProgress');
    expect(updated.ETag).not.toBe(before.ETag);
    expect((await t.cf.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig?.Comment).toBe('changed');
    await expect(
      t.cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: before.ETag, DistributionConfig: config })),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    await expect(
      t.cf.send(new UpdateDistributionCommand({ Id: id, DistributionConfig: config })),
    ).rejects.toBeInstanceOf(InvalidIfMatchVersion);
    const current = await t.cf.send(new GetDistributionConfigCommand({ Id: id }));
    await expect(
      t.cf.send(
        new UpdateDistributionCommand({
          Id: id,
          IfMatch: current.ETag,
          DistributionConfig: { ...current.DistributionConfig!, CallerReference: 'other' },
        }),
      ),
    ).rejects.toBeInstanceOf(IllegalUpdate);
  });

  it('requires Lambda@Edge associations to name an existing numbered version', async () => {
    for (const arn of [FN, `${FN}:$LATEST`, `${FN}:7`, `${FN.replace('us-east-1', 'eu-west-1')}:1`]) {
      const current = await t.cf.send(new GetDistributionConfigCommand({ Id: id }));
      const config = current.DistributionConfig!;
      config.DefaultCacheBehavior!.LambdaFunctionAssociations!.Items![0]!.LambdaFunctionARN = arn;
      await expect(
        t.cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: config })),
        arn,
      ).rejects.toBeInstanceOf(InvalidLambdaFunctionAssociation);
    }
  });

  it('re-points viewer-request associations and retries when the ETag changes underneath', async () => {
    t.cloud.lambda.updateFunction('edge', { description: 'v2' });
    const v2 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'edge' }));
    let sneaky = true;
    const result = await updateDistributionConfig(t.cf, id, (config) => {
      if (sneaky) {
        sneaky = false;
        // someone else changes the distribution between our read and our write
        const d = t.cloud.cloudfront.find(id);
        t.cloud.cloudfront.update(
          id,
          d.etag,
          t.cloud.cloudfront.configXml(d).replace('<Comment>changed</Comment>', '<Comment>theirs</Comment>'),
        );
      }
      return pointViewerRequest(FN, `${FN}:${v2.Version}`)(config);
    });
    expect(result).toMatchObject({ changed: true, attempts: 2 });
    const after = (await t.cf.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig!;
    expect(versionsInUse(after, FN)).toEqual([{ pathPattern: '*', version: '2' }]);
    expect(after.Comment).toBe('theirs'); // their change is kept
    expect((await updateDistributionConfig(t.cf, id, pointViewerRequest(FN, `${FN}:2`))).changed).toBe(false);
  });
});

// Two rules of real AWS the local cloud once let through (issue #26): a version just
// published is Pending, and CloudFront refuses it; Lambda@Edge and CloudFront
// Functions cannot share a cache behavior's viewer events.
describe('local CloudFront holds associations to AWS rules', () => {
  let slow: TestCloud;
  let did: string;
  beforeAll(async () => {
    slow = await startTestCloud({ deploySeconds: 0, functionUpdateMs: 400 });
    await slow.cloud.lambda.putFunction({
      name: 'edge',
      zip: (await testBundle('edge-auth')).zip,
      timeout: 5,
      region: 'us-east-1',
    });
    await until(
      async () =>
        (await slow.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'edge' }))).State === 'Active',
      5000,
      'the function to be Active',
    );
    await slow.lambda.send(new PublishVersionCommand({ FunctionName: 'edge' }));
    await until(
      async () =>
        (await slow.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'edge', Qualifier: '1' })))
          .State === 'Active',
      5000,
      'version 1 to be Active',
    );
    did = slow.cloud.cloudfront.createDistribution(
      distributionConfigXml({
        callerReference: 'rules',
        comment: 'rules',
        origin: { domainName: '127.0.0.1', protocol: 'http', port: 9 },
        viewerRequestArn: `${FN}:1`,
      }),
    ).id;
  });
  afterAll(() => slow.stop());

  it("refuses a Pending version with AWS's words; publish's wait makes it Active first", async () => {
    slow.cloud.lambda.updateFunction('edge', { description: 'v2' });
    await until(
      async () =>
        (await slow.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'edge' }))).LastUpdateStatus ===
        'Successful',
      5000,
      'the update',
    );
    const v2 = await slow.lambda.send(new PublishVersionCommand({ FunctionName: 'edge' }));
    expect(v2.State).toBe('Pending');
    const qualified = `${FN}:${v2.Version}`;
    const error = await updateDistributionConfig(slow.cf, did, pointViewerRequest(FN, qualified)).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(InvalidLambdaFunctionAssociation);
    expect((error as Error).message).toBe(
      `The function must be in an Active state. The current state for function ${qualified} is Pending`,
    );
    await waitVersionActive(slow.lambda, qualified, { timeoutMs: 10_000, pollMs: 50 }, () => {});
    expect((await updateDistributionConfig(slow.cf, did, pointViewerRequest(FN, qualified))).changed).toBe(true);
  });

  it('refuses a CloudFront function beside Lambda@Edge on viewer events; attach says so before changing anything', async () => {
    const current = await slow.cf.send(new GetDistributionConfigCommand({ Id: did }));
    const config = current.DistributionConfig!;
    config.DefaultCacheBehavior!.FunctionAssociations = {
      Quantity: 1,
      Items: [{ EventType: 'viewer-response', FunctionARN: 'arn:aws:cloudfront::000000000000:function/headers' }],
    }; // the rule is checked before the function is looked up
    const refused = await slow.cf
      .send(new UpdateDistributionCommand({ Id: did, IfMatch: current.ETag, DistributionConfig: config }))
      .catch((e: Error) => e);
    expect(refused).toMatchObject({
      name: 'InvalidArgument',
      message: expect.stringMatching(/cannot be combined in viewer events/),
    });

    // a distribution someone else runs with a CloudFront function (no Lambda@Edge yet): attach refuses, naming the fix
    const other = slow.cloud.cloudfront.createDistribution(
      distributionConfigXml({
        callerReference: 'theirs',
        comment: 'theirs',
        origin: { domainName: '127.0.0.1', protocol: 'http', port: 9 },
      }),
    ).id;
    const created = await slow.cf.send(
      new CreateFunctionCommand({
        Name: 'redirects',
        FunctionConfig: { Comment: 'theirs', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: Buffer.from('function handler(e) { return e.request; }'),
      }),
    );
    await slow.cf.send(new PublishFunctionCommand({ Name: 'redirects', IfMatch: created.ETag }));
    const theirs = await slow.cf.send(new GetDistributionConfigCommand({ Id: other }));
    const withFunction = theirs.DistributionConfig!;
    withFunction.DefaultCacheBehavior!.FunctionAssociations = {
      Quantity: 1,
      Items: [{ EventType: 'viewer-request', FunctionARN: created.FunctionSummary!.FunctionMetadata!.FunctionARN }],
    };
    await slow.cf.send(
      new UpdateDistributionCommand({ Id: other, IfMatch: theirs.ETag, DistributionConfig: withFunction }),
    );
    const before = await slow.cf.send(new GetDistributionConfigCommand({ Id: other }));
    const error = await attach(slow.cf, {
      distributionId: other,
      functionVersionArn: `${FN}:1`,
      leaveUnprotected: [],
      replace: false,
    }).catch((e: CliError) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/behavior \* already runs a CloudFront Function on a viewer event/);
    expect((error as CliError).hint).toMatch(/--leave-unprotected '\*'/);
    expect((await slow.cf.send(new GetDistributionConfigCommand({ Id: other }))).ETag).toBe(before.ETag);
  });
});

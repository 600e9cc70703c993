// deploy --local in attach mode: a distribution the user made (through the
// SDK, with two ordered behaviors) gets the edge function on every behavior
// but the one the config names as left open; verify, rotate, publish, a plan
// that changes no resource, destroy (the distribution stays, unprotected, as
// its owner made it), and deploy again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  GetDistributionConfigCommand,
  type CacheBehavior,
  type DefaultCacheBehavior,
} from '@aws-sdk/client-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, startProject, type LocalProject } from '../helpers/local-project.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let project: LocalProject;
let origin: Server;
let cf: CloudFrontClient;
let distributionId: string;

function behavior(): DefaultCacheBehavior {
  return {
    TargetOriginId: 'app',
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
    AllowedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] },
  };
}

beforeAll(async () => {
  if (!terraform) return;
  origin = createServer((req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`origin saw ${req.url}`),
  );
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  // the user's distribution exists before basicauth is set up: start dev on an empty project first
  project = await startProject('gate', {
    region: 'us-east-1',
    rotation: { schedule: 'rate(7 days)', window: '3h' },
    // the user agreed to noindex (init asks): the protected behaviors get basicauth's response headers policy
    distribution: { mode: 'attach', distributionId: 'EPLACEHOLDER000', leaveUnprotected: ['/static/*'], noindex: true },
  });
  cf = new CloudFrontClient({
    region: 'us-east-1',
    endpoint: project.dev.info.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const created = await cf.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: 'their-app',
        Comment: 'the team app',
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [
            {
              Id: 'app',
              DomainName: 'localhost',
              CustomOriginConfig: {
                HTTPPort: (origin.address() as AddressInfo).port,
                HTTPSPort: 443,
                OriginProtocolPolicy: 'http-only',
              },
            },
          ],
        },
        DefaultCacheBehavior: behavior(),
        CacheBehaviors: {
          Quantity: 2,
          Items: [
            { ...behavior(), PathPattern: '/api/*' } as CacheBehavior,
            { ...behavior(), PathPattern: '/static/*' } as CacheBehavior,
          ],
        },
      },
    }),
  );
  distributionId = created.Distribution!.Id!;
  const { readFile, writeFile } = await import('node:fs/promises');
  const file = `${project.dir}/basicauth.config.json`;
  await writeFile(file, (await readFile(file, 'utf8')).replace('EPLACEHOLDER000', distributionId));
});
afterAll(async () => {
  await project?.stop();
  origin?.close();
});

const statuses = (verify: { checks: Array<{ status: number }> }) => verify.checks.map((c) => c.status);

describe.skipIf(missing('terraform', terraform, why))('deploy --local, attach mode', () => {
  it('protects every behavior but the one named, and gives the distribution back as it was on destroy', {
    timeout: 900_000,
  } /* a budget for a loaded machine, not a timing rule */, async () => {
    const deployed = await project.json('deploy', '--yes');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.body).toMatchObject({ status: 'applied', outputs: { distributionId } });
    const site = deployed.body.url as string;
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
    expect((await fetch(`${site}api/x`)).status).toBe(401);
    const open = await fetch(`${site}static/logo.png`);
    expect(await open.text()).toBe('origin saw /static/logo.png'); // left open on purpose
    expect(open.headers.get('x-robots-tag')).toBeNull(); // and its answers as they were
    const policies = (await cf.send(new GetDistributionConfigCommand({ Id: distributionId }))).DistributionConfig!;
    expect(policies.DefaultCacheBehavior?.ResponseHeadersPolicyId).toBe(deployed.body.outputs.responseHeadersPolicyId);
    expect(policies.CacheBehaviors?.Items?.map((b) => Boolean(b.ResponseHeadersPolicyId))).toEqual([true, false]);
    const status = await project.json('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.body.edge.behaviors.map((b: { pathPattern: string }) => b.pathPattern)).toEqual(['*', '/api/*']);
    expect(status.body.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/left unprotected on purpose.*\/static\/\*/),
      }),
    ]);

    expect((await project.json('rotate', '--now', '--yes')).code).toBe(0);
    const published = await project.json('publish');
    expect(published.code, published.stderr).toBe(0);
    expect(published.body.behaviors.map((b: { pathPattern: string }) => b.pathPattern)).toEqual(['*', '/api/*']);
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
    const plan = await project.terraform('plan', '-input=false', '-no-color');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toMatch(/will be (created|updated|destroyed|replaced)/);

    const destroyed = await project.json('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(leftovers(project, 'gate')).toMatchObject({
      functions: [],
      roles: [],
      policies: [],
      logGroups: [],
      liveSecrets: [],
    });
    const after = (await cf.send(new GetDistributionConfigCommand({ Id: distributionId }))).DistributionConfig!;
    expect(after.Comment).toBe('the team app');
    expect(
      [after.DefaultCacheBehavior, ...after.CacheBehaviors!.Items!].every(
        (b) => (b!.LambdaFunctionAssociations?.Quantity ?? 0) === 0 && !b!.ResponseHeadersPolicyId,
      ),
    ).toBe(true);

    const again = await project.json('deploy', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.body.restoredSecret).toBe('basicauth/gate');
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
  });
});

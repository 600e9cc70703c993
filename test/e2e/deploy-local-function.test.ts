// The cloudfront-function engine through the real Terraform lifecycle against
// `basicauth dev`: the AWS provider creates the key value store, the published
// function and the distribution that runs it; the first rotation publishes the
// digests; verify, rotate, status and publish work; Terraform plans no change;
// destroy leaves nothing of the stack.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, startProject, type LocalProject } from '../helpers/local-project.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let project: LocalProject;
let origin: Server;

beforeAll(async () => {
  if (!terraform) return;
  origin = createServer((req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`origin saw ${req.url} ${req.headers.authorization ? 'with' : 'without'} credentials`),
  );
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  project = await startProject('cff', {
    region: 'eu-west-1',
    secret: { usernames: ['alice', 'bob'] },
    edge: { engine: 'cloudfront-function', graceSeconds: 30, bypassPaths: ['/health'] },
    distribution: {
      mode: 'create',
      origin: { type: 'custom', domainName: 'localhost', protocol: 'http-only', httpPort: port },
      pathPatterns: ['/api/*'],
    },
  });
});
afterAll(async () => {
  await project?.stop();
  origin?.close();
});

const statuses = (verify: { checks: Array<{ status: number }> }) => verify.checks.map((c) => c.status);

describe.skipIf(missing('terraform', terraform, why))('deploy --local, cloudfront-function engine', () => {
  it('deploys, serves, rotates, plans clean and destroys to nothing', {
    timeout: 900_000,
  } /* a budget for a loaded machine, not a timing rule */, async () => {
    const deployed = await project.json('deploy', '--yes');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.body.outputs).toMatchObject({
      engine: 'cloudfront-function',
      keyValueStoreArn: expect.stringMatching(/^arn:aws:cloudfront::\d{12}:key-value-store\//),
      edgeFunctionQualifiedArn: expect.stringMatching(/^arn:aws:cloudfront::\d{12}:function\/cff-edge-auth$/),
    });
    const site = deployed.body.url as string;
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
    const creds = (await project.cli('show-creds', '--format', 'curl')).stdout.trim();
    const authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    expect(await (await fetch(`${site}api/items`, { headers: { authorization } })).text()).toBe(
      'origin saw /api/items without credentials',
    );
    expect((await fetch(`${site}api/items`)).status).toBe(401);
    expect(await (await fetch(`${site}health`)).text()).toBe('origin saw /health without credentials');

    const rotated = await project.json('rotate', '--now', '--yes');
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = (await project.cli('show-creds', '--format', 'curl')).stdout.trim();
    expect(next).not.toBe(creds);
    expect(
      (await fetch(site, { headers: { authorization: `Basic ${Buffer.from(next).toString('base64')}` } })).status,
    ).toBe(200);
    // the replaced password, within its 30 s grace
    expect((await fetch(site, { headers: { authorization } })).status).toBe(200);

    const status = await project.json('status');
    expect(status.code, status.stdout).toBe(0);
    expect(status.body.edge).toMatchObject({
      engine: 'cloudfront-function',
      store: { inStep: true, users: 2 },
      unprotected: [],
    });
    expect((await project.json('publish')).code).toBe(0);

    const plan = await project.terraform('plan', '-input=false', '-no-color');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);

    const destroyed = await project.json('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(leftovers(project, 'cff')).toMatchObject({
      functions: [],
      distributions: [],
      cloudFrontFunctions: [],
      keyValueStores: [],
    });
  });
});

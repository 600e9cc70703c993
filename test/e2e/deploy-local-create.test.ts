// The real Terraform lifecycle against `basicauth dev`, as a user runs it:
// init → deploy --local → verify through the local edge of the deployed
// distribution → rotate → publish → a plan that changes nothing → destroy →
// the local cloud holds nothing of the stack → deploy again (restoring the
// secret the destroy scheduled for deletion). Home region ap-northeast-1, so
// the edge function lives behind the us-east-1 provider alias.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CloudFrontClient, CreateResponseHeadersPolicyCommand } from '@aws-sdk/client-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, NOTHING_LEFT, startProject, type LocalProject } from '../helpers/local-project.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let project: LocalProject;
let origin: Server;

beforeAll(async () => {
  if (!terraform) return;
  origin = createServer((req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`origin saw ${req.url}`),
  );
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  project = await startProject('staging', {
    region: 'ap-northeast-1',
    // a replica in us-east-1, the region the local edge runs in: the edge reads the nearest copy
    secret: { replicaRegions: ['us-east-1'] },
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

describe.skipIf(missing('terraform', terraform, why))('deploy --local, create mode', () => {
  it('deploys, serves, rotates, publishes, plans clean, destroys to nothing, and deploys again', {
    timeout: 900_000,
  } /* a budget for a loaded machine, not a timing rule */, async () => {
    // a deploy stopped after CloudFront made the noindex policy, before Terraform recorded it: the policy exists,
    // unknown to the state; the next deploy meets ResponseHeadersPolicyAlreadyExists and imports it by its id
    const cf = new CloudFrontClient({
      region: 'us-east-1',
      endpoint: project.dev.info.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await cf.send(
      new CreateResponseHeadersPolicyCommand({
        ResponseHeadersPolicyConfig: {
          Name: 'staging-noindex',
          CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'X-Robots-Tag', Value: 'noindex', Override: true }] },
        },
      }),
    );
    const deployed = await project.json('deploy', '--yes');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).toMatch(
      /aws_cloudfront_response_headers_policy\.\w+ exists but is not in the state .*: importing [0-9a-f-]{36}/,
    );
    expect(deployed.body).toMatchObject({
      status: 'applied',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      outputs: { name: 'staging', region: 'ap-northeast-1', secretName: 'basicauth/staging' },
    });
    expect(deployed.body.outputs.secretArn).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:/);
    expect(deployed.body.outputs.edgeFunctionQualifiedArn).toMatch(
      /^arn:aws:lambda:us-east-1:\d{12}:function:staging-edge-auth:1$/,
    );
    expect(deployed.stderr).not.toMatch(/password/i);
    // the first password was made by deploy, running the uploaded rotation function (Terraform enables rotation without rotating)
    const site = deployed.body.url as string;

    const verified = await project.json('verify');
    expect(verified.code, verified.stderr).toBe(0);
    expect(statuses(verified.body)).toEqual([401, 401, 200, 200]);
    const creds = (await project.cli('show-creds', '--format', 'curl')).stdout.trim();
    const api = await fetch(`${site}api/items`, {
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });
    expect(await api.text()).toBe('origin saw /api/items');
    expect((await fetch(`${site}api/items`)).status).toBe(401);

    const rotated = await project.json('rotate', '--now', '--yes');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((await project.cli('show-creds', '--format', 'curl')).stdout.trim()).not.toBe(creds);

    // One owner of the schedule: rotate --schedule writes it into the config, so the next deploy has nothing to
    // change, and a deploy that does change the schedule (the config edited) replaces nobody's password.
    const rotatedCreds = (await project.cli('show-creds', '--format', 'curl')).stdout.trim();
    const scheduled = await project.json('rotate', '--schedule', 'rate(12 hours)');
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.body).toMatchObject({
      rules: { ScheduleExpression: 'rate(12 hours)' },
      configFile: 'basicauth.config.json',
    });
    const configPath = join(project.dir, 'basicauth.config.json');
    expect(JSON.parse(readFileSync(configPath, 'utf8')).rotation).toEqual({ schedule: 'rate(12 hours)' });
    const unchanged = await project.json('deploy', '--yes');
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.body.status).toBe('no-changes');
    writeFileSync(
      configPath,
      JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), rotation: { days: 7 } }, null, 2),
    );
    const rescheduled = await project.json('deploy', '--yes');
    expect(rescheduled.code, rescheduled.stderr).toBe(0);
    expect(rescheduled.body.status).toBe('applied');
    expect((await project.json('status')).body).toMatchObject({ secret: { schedule: 'every 7 days' } });
    expect((await project.cli('show-creds', '--format', 'curl')).stdout.trim()).toBe(rotatedCreds);
    const published = await project.json('publish');
    expect(published.code, published.stderr).toBe(0);
    expect(published.body).toMatchObject({
      version: '2',
      behaviors: [
        { pathPattern: '*', to: '2' },
        { pathPattern: '/api/*', to: '2' },
      ],
    });
    expect(statuses((await project.json('verify', '--wait', '30s')).body)).toEqual([401, 401, 200, 200]);
    const status = await project.json('status');
    expect(status.body.problems).toEqual([]);

    // Terraform itself (no basicauth code in the loop) after publish: it sees the version
    // publish made (the README documents that the outputs follow it) and changes no resource.
    const plan = await project.terraform('plan', '-input=false', '-no-color');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/No changes|Changes to Outputs/);
    expect(plan.stdout).not.toMatch(/will be (created|updated in-place|destroyed|replaced)|must be replaced|Plan: /);

    const destroyed = await project.json('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.body).toMatchObject({
      status: 'destroyed',
      secret: { name: 'basicauth/staging', recoveryWindowDays: 7 },
    });
    expect(leftovers(project, 'staging')).toEqual(NOTHING_LEFT);
    expect((await fetch(site).catch(() => undefined))?.status).toBeUndefined(); // its edge is gone with it

    const again = await project.json('deploy', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.body).toMatchObject({ status: 'applied', restoredSecret: 'basicauth/staging' });
    expect(again.stderr).toMatch(/was deleted by an earlier destroy/);
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
  });
});

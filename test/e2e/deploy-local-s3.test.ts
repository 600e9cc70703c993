// deploy --local with an S3 origin behind origin access control: the bucket
// refuses the distribution until its policy grants it (the statement deploy
// prints), then the site serves the bucket behind the password; destroy leaves
// nothing of the stack (the bucket is the user's), and a new deploy needs the
// policy again for its new distribution.
import aws4 from 'aws4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, NOTHING_LEFT, startProject, type LocalProject } from '../helpers/local-project.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

const BUCKET = 'docs-site-bucket';
let project: LocalProject;

/** A signed S3 request to the local cloud, path style. */
async function s3(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(path, project.dev.info.endpoint);
  const signed = aws4.sign(
    {
      host: url.host,
      path: url.pathname + url.search,
      method,
      service: 's3',
      region: 'ap-northeast-1',
      headers,
      ...(body !== undefined ? { body } : {}),
    },
    { accessKeyId: 'a', secretAccessKey: 'b' },
  );
  return fetch(url, {
    method,
    headers: signed.headers as Record<string, string>,
    ...(body !== undefined ? { body } : {}),
  });
}

beforeAll(async () => {
  if (!terraform) return;
  project = await startProject('docs', {
    region: 'ap-northeast-1',
    distribution: { mode: 'create', origin: { type: 's3', bucket: BUCKET, bucketRegion: 'ap-northeast-1' } },
  });
  expect((await s3('PUT', `/${BUCKET}`)).status).toBe(200);
  expect((await s3('PUT', `/${BUCKET}/index.html`, '<h1>the docs</h1>', { 'content-type': 'text/html' })).status).toBe(
    200,
  );
});
afterAll(() => project?.stop());

const statuses = (verify: { checks: Array<{ status: number }> }) => verify.checks.map((c) => c.status);

describe.skipIf(missing('terraform', terraform, why))('deploy --local, S3 origin', () => {
  it('serves the bucket once its policy grants the distribution, and destroys to nothing of the stack', {
    timeout: 900_000,
  } /* a budget for a loaded machine, not a timing rule */, async () => {
    const deployed = await project.json('deploy', '--yes');
    expect(deployed.code, deployed.stderr).toBe(0);
    const policy = JSON.parse(deployed.body.outputs.s3BucketPolicy);
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: {
        StringEquals: { 'AWS:SourceArn': expect.stringMatching(/^arn:aws:cloudfront::\d{12}:distribution\/E/) },
      },
    });
    // the bucket does not trust the distribution yet: authenticated requests get S3's 403
    const refused = await project.json('verify');
    expect(refused.code).toBe(1);
    expect(statuses(refused.body)).toEqual([401, 401, 403]);
    expect((await s3('PUT', `/${BUCKET}?policy`, deployed.body.outputs.s3BucketPolicy)).status).toBe(204);
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
    const creds = (await project.cli('show-creds', '--format', 'curl')).stdout.trim();
    const page = await fetch(deployed.body.url, {
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });
    expect(await page.text()).toBe('<h1>the docs</h1>'); // / is the default root object
    const missing = await fetch(`${deployed.body.url}nope.html`, {
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });
    expect(missing.status).toBe(403); // as S3 answers without s3:ListBucket

    const destroyed = await project.json('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(leftovers(project, 'docs')).toEqual(NOTHING_LEFT);

    const again = await project.json('deploy', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.body.restoredSecret).toBe('basicauth/docs');
    expect(again.body.outputs.s3BucketPolicy).not.toBe(deployed.body.outputs.s3BucketPolicy); // a new distribution to grant
    expect((await s3('PUT', `/${BUCKET}?policy`, again.body.outputs.s3BucketPolicy)).status).toBe(204);
    expect(statuses((await project.json('verify')).body)).toEqual([401, 401, 200, 200]);
  });
});

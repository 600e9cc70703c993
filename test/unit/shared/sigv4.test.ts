// Our SigV4 signer against one we did not write: the AWS SDK's own
// (@smithy/signature-v4, the signer every SDK v3 client uses).
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signGet, signJsonPost, type AwsCredentials } from '../../../handlers/shared/sigv4.js';

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

async function sdkAuthorization(
  url: URL,
  region: string,
  target: string,
  body: string,
  date: Date,
  credentials: AwsCredentials,
): Promise<string> {
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    credentials,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body,
    } as never,
    { signingDate: date },
  );
  return (signed as unknown as { headers: Record<string, string> }).headers.authorization!;
}

const base = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('signJsonPost', () => {
  it('signs a GetSecretValue exactly as the AWS SDK does, with and without a session token', async () => {
    const url = new URL('https://secretsmanager.eu-west-1.amazonaws.com/');
    const body = JSON.stringify({ SecretId: 'basicauth/site', VersionStage: 'AWSCURRENT' });
    const date = new Date('2026-11-29T17:05:09.123Z');
    for (const credentials of [
      base,
      { ...base, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token==' },
    ] as AwsCredentials[]) {
      const ours = signJsonPost(
        { url, region: 'eu-west-1', service: 'secretsmanager', target: 'secretsmanager.GetSecretValue', body, date },
        credentials,
      );
      expect(ours.authorization).toBe(
        await sdkAuthorization(url, 'eu-west-1', 'secretsmanager.GetSecretValue', body, date, credentials),
      );
      expect(ours['x-amz-date']).toBe('20261129T170509Z');
      expect(ours['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(ours['x-amz-security-token']).toBe(credentials === base ? undefined : credentials.sessionToken);
    }
  });

  it('agrees with the AWS SDK for any endpoint path, port, region, body and day (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'http://127.0.0.1:4566/',
          'https://example.com/prefix/a%20b/',
          'http://localhost:9/x/',
          'https://secretsmanager.us-east-1.amazonaws.com/',
        ),
        fc.constantFrom('us-east-1', 'ap-northeast-1', 'cn-north-1'),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        async (endpoint, region, secretId, date) => {
          const url = new URL(endpoint);
          const body = JSON.stringify({ SecretId: secretId });
          const ours = signJsonPost(
            { url, region, service: 'secretsmanager', target: 'secretsmanager.DescribeSecret', body, date },
            base,
          );
          expect(ours.authorization).toBe(
            await sdkAuthorization(url, region, 'secretsmanager.DescribeSecret', body, date, base),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never puts the secret access key in a header', () => {
    const headers = signJsonPost(
      { url: new URL('https://h/'), region: 'us-east-1', service: 'secretsmanager', target: 't', body: '{}' },
      base,
    );
    expect(JSON.stringify(headers)).not.toContain(base.secretAccessKey);
  });
});

describe('signGet', () => {
  it('signs a REST read (a path with an ARN, a query) exactly as the AWS SDK does', async () => {
    const url = new URL(
      'http://127.0.0.1:4599/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aedge/versions?Marker=2&MaxItems=50',
    );
    const date = new Date('2026-11-29T17:05:09.123Z');
    const signer = new SignatureV4({
      service: 'lambda',
      region: 'us-east-1',
      credentials: base,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    const signed = (await signer.sign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: decodeURIComponent(url.pathname).replace(/:/g, '%3A'),
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
      } as never,
      { signingDate: date },
    )) as unknown as { headers: Record<string, string> };
    const ours = signGet({ url, region: 'us-east-1', service: 'lambda', date }, base);
    expect(ours.authorization).toBe(signed.headers.authorization);
    expect(ours['content-length']).toBeUndefined();
  });
});

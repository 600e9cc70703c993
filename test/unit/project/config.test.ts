import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  configJsonSchema,
  edgeConfigFor,
  parseConfig,
  rotationEnvironment,
  secretNameOf,
} from '../../../cli/project/config.js';

const minimal = {
  name: 'staging',
  region: 'eu-west-1',
  distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
};
const withField = (patch: Record<string, unknown>) => ({ ...minimal, ...patch });

describe('config', () => {
  it('fills defaults for a minimal config', () => {
    const c = parseConfig(minimal);
    expect(c.secret).toMatchObject({ usernames: ['admin'], passwordLength: 32, replicaRegions: [] });
    expect(c.rotation).toEqual({ days: 30 });
    expect(c.backend).toEqual({ type: 'local', path: '.basicauth/terraform.tfstate' });
    expect(c.distribution).toMatchObject({
      mode: 'create',
      origin: { protocol: 'https-only', httpsPort: 443 },
      pathPatterns: [],
    });
    expect(c.distribution).not.toHaveProperty('priceClass'); // the stack picks it from the home region (stacks/price-class.ts)
    expect(secretNameOf(c)).toBe('basicauth/staging');
  });

  it('maps to the edge settings and the rotation environment, with no secret in either', () => {
    const c = parseConfig(
      withField({
        edge: { graceSeconds: 60, bypassPaths: ['/healthz'] },
        secret: { usernames: ['alice', 'bob'], replicaRegions: ['us-west-2'] },
        notifications: {
          webhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:basicauth/webhook-AbCdEf',
        },
      }),
    );
    expect(edgeConfigFor(c)).toMatchObject({
      secretId: 'basicauth/staging',
      secretRegion: 'eu-west-1',
      replicaRegions: ['us-west-2'],
      realm: 'staging',
      graceSeconds: 60,
      bypassPaths: ['/healthz'],
    });
    expect(rotationEnvironment(c)).toEqual({
      BASICAUTH_PASSWORD_LENGTH: '32',
      BASICAUTH_EXCLUDE_CHARACTERS: expect.any(String),
      BASICAUTH_USERNAMES: '["alice","bob"]',
      BASICAUTH_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:basicauth/webhook-AbCdEf',
    });
  });

  it.each([
    [withField({ name: 'Staging' }), /name is "Staging": expected lowercase letters/],
    [withField({ name: undefined }), /name is missing/],
    [withField({ region: 'Ireland' }), /region is "Ireland": expected an AWS region/],
    [withField({ secret: { usernames: ['a:b'] } }), /secret\.usernames\[0\] is "a:b": expected letters, digits/],
    [withField({ secret: { usernames: [] } }), /secret\.usernames is \[\]/],
    [withField({ secret: { passwordLength: 8 } }), /secret\.passwordLength is 8/],
    [withField({ secret: { replicaRegions: ['mars-1'] } }), /secret\.replicaRegions\[0\] is "mars-1"/],
    [
      withField({ secret: { kmsKeyId: 'alias/basicauth' } }),
      /secret\.kmsKeyId is "alias\/basicauth": expected a KMS key ARN/,
    ],
    [withField({ rotation: { days: 0 } }), /rotation\.days is 0/],
    [withField({ rotation: { days: 7, schedule: 'rate(7 days)' } }), /set days or schedule, not both/],
    [
      withField({ rotation: { schedule: 'weekly' } }),
      /rotation\.schedule is "weekly": expected rate\(N days\|hours\) or cron/,
    ],
    [withField({ rotation: { window: '30h' } }), /rotation\.window is "30h"/],
    // what RotateSecret refuses at apply time is refused at load, with the same rule init and rotate use
    [
      withField({ rotation: { schedule: 'rate(1 hours)' } }),
      /rotation\.schedule is "rate\(1 hours\)": rate\(1 hours\) is too often: Secrets Manager rotates at most every 4 hours/,
    ],
    [
      withField({ rotation: { schedule: 'cron(0 */2 * * ? *)' } }),
      /rotation\.schedule is .*starts rotations 2 hours apart/,
    ],
    [
      withField({ rotation: { schedule: 'rate(6 hours)', window: '8h' } }),
      /rotation\.window is "8h": a 8h rotation window runs into the next one/,
    ],
    [
      withField({ rotation: { schedule: 'cron(0 22 * * ? *)', window: '3h' } }),
      /rotation\.window is "3h": a 3h rotation window from 22:00 UTC runs into the next UTC day/,
    ],
    [
      withField({ edge: { cacheTtlSeconds: 0 } }),
      /edge\.cacheTtlSeconds is 0: expected a whole number from 1 to 86400/,
    ],
    [withField({ edge: { allowCidrs: ['10.0.0.0/99'] } }), /edge\.allowCidrs\[0\] is "10.0.0.0\/99"/],
    [withField({ edge: { realm: 'a"b' } }), /edge\.realm is "a\\"b"/],
    [withField({ edge: { ttl: 5 } }), /edge: unknown field "ttl"/],
    [
      withField({ notifications: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' } }),
      /notifications\.webhookUrl is a credential and may not sit in the config/,
    ],
    [
      withField({ notifications: { webhookSecretArn: 'https://hooks.slack.com/x' } }),
      /notifications\.webhookSecretArn is "https:.*": expected the ARN of a Secrets Manager secret/,
    ],
    [
      withField({ secret: { usernames: ['alice smith'] } }),
      /secret\.usernames\[0\] is "alice smith": expected letters, digits/,
    ],
    [withField({ secret: { usernames: ['jörg'] } }), /secret\.usernames\[0\] is "jörg"/],
    [withField({ secret: { usernames: ['a,b'] } }), /secret\.usernames\[0\] is "a,b"/],
    [withField({ secret: { usernames: ['x'.repeat(65)] } }), /secret\.usernames\[0\] is "xxx/],
    [withField({ distribution: { mode: 'mirror' } }), /distribution\.mode is "mirror"/],
    [
      withField({ distribution: { mode: 'attach', distributionId: 'nope' } }),
      /distribution\.distributionId is "nope": expected a CloudFront distribution id/,
    ],
    [
      withField({ distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL', pathPatterns: ['/api/*'] } }),
      /distribution\.pathPatterns is not an attach-mode field: attach now protects every cache behavior/,
    ],
    [
      withField({ distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL', leaveUnprotected: ['public/*'] } }),
      /distribution\.leaveUnprotected\[0\] is "public\/\*"/,
    ],
    [
      withField({ secret: { recoveryWindowDays: 3 } }),
      /secret\.recoveryWindowDays is 3: expected 0 \(delete at once\) or 7 to 30 days/,
    ],
    [
      withField({ distribution: { mode: 'create', origin: { type: 's3', bucket: 'B', bucketRegion: 'eu-west-1' } } }),
      /distribution\.origin\.bucket is "B": expected an S3 bucket name/,
    ],
    [
      withField({
        distribution: { mode: 'create', origin: { type: 'custom', domainName: 'x.com' }, pathPatterns: ['api/*'] },
      }),
      /distribution\.pathPatterns\[0\] is "api\/\*"/,
    ],
    [withField({ backend: { type: 's3', bucket: 'state' } }), /backend\.region is missing/],
    [withField({ backend: { type: 'consul' } }), /backend\.type is "consul"/],
    [withField({ tags: { team: 42 } }), /tags\.team is 42/],
    [withField({ colour: 'blue' }), /unknown field "colour"/],
  ])('names the field, the value and what is allowed (%#)', (input, message) => {
    expect(() => parseConfig(input)).toThrow(message);
  });

  it.each([
    [withField({ name: 5 }), 'name is 5: expected a string'],
    [withField({ secret: { usernames: [] } }), 'secret.usernames is []: expected at least 1 item'],
    [withField({ secret: { passwordLength: 8 } }), 'secret.passwordLength is 8: expected at least 12'],
    [withField({ secret: { passwordLength: 9999 } }), 'secret.passwordLength is 9999: expected at most 4096'],
    [withField({ secret: { passwordLength: 12.5 } }), 'secret.passwordLength is 12.5: expected a whole number'],
    [withField({ backend: { type: 'ftp' } }), 'backend.type is "ftp": expected one of "local", "s3"'],
    [
      withField({ edge: { cors: { allowOrigins: ['https://a.example'], allowMethods: ['FETCH'] } } }),
      'edge.cors.allowMethods[0] is "FETCH": expected one of "GET", "HEAD"',
    ],
    [withField({ distribution: 'x' }), 'distribution is "x": expected an object'],
    [withField({ edge: { stripAuthorization: 'yes' } }), 'edge.stripAuthorization is "yes": expected true or false'],
  ])("says what is expected in its own words, never the validator's (%#)", (input, message) => {
    let text = '';
    try {
      parseConfig(input);
    } catch (error) {
      text = (error as Error).message;
    }
    expect(text).toContain(message);
    expect(text).not.toMatch(/expected expected|Too (small|big)|Invalid (input|option|discriminator)|received/);
  });

  it('ships a JSON Schema that matches the zod schema (npm run schema regenerates it)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../../cli/config.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});

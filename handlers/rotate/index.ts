// Secrets Manager rotation Lambda entry point (handler: index.handler).
// The nodejs22.x runtime provides the AWS SDK v3; the bundle leaves it external.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { postNotice } from './notify.js';
import { readSettings } from './settings.js';
import { runStep, type RotationLog } from './steps.js';

const settings = readSettings(process.env);
// The SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL itself.
const client = new SecretsManagerClient({});

const log: RotationLog = (message, fields) =>
  console.log(JSON.stringify({ level: 'info', source: 'basicauth-rotate', message, ...fields }));

/** The webhook URL, read from its own secret when a rotation finishes (a string, or JSON with "url"). */
async function webhookUrl(arn: string): Promise<string> {
  const region = arn.split(':')[3];
  const text =
    (await new SecretsManagerClient({ region }).send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '';
  const url = text.trim().startsWith('{') ? String((JSON.parse(text) as { url?: unknown }).url ?? '') : text.trim();
  if (!/^https?:\/\//.test(url))
    throw new Error('the webhook secret holds no http(s) URL (a string, or JSON with "url")');
  return url;
}

async function notify(notice: Parameters<typeof postNotice>[1]): Promise<void> {
  if (!settings.webhookSecretArn) return;
  const url = await webhookUrl(settings.webhookSecretArn);
  const result = await postNotice(url, notice);
  // The webhook URL is itself a credential (Slack): log its host only.
  const host = new URL(url).host;
  if (result.ok) log('notify.sent', { host });
  else
    console.log(
      JSON.stringify({
        level: 'warn',
        source: 'basicauth-rotate',
        message: 'notify.failed',
        host,
        error: result.error,
      }),
    );
}

/** The CloudFront Functions engine: the new digests go to the KeyValueStore as the rotation finishes. */
async function publish(secretArn: string): Promise<void> {
  if (!settings.kvsArn) return;
  const [{ publishDigests }, { createKvsClient }] = await Promise.all([
    import('../shared/kvs-publisher.js'),
    import('../shared/kvs-client.js'),
  ]);
  const result = await publishDigests({
    secrets: client,
    kvs: createKvsClient(),
    secretId: secretArn,
    kvsArn: settings.kvsArn,
    graceSeconds: settings.graceSeconds,
    rotatedAt: Date.now(),
  });
  log('publish.done', {
    version: result.versionId,
    written: result.written,
    deleted: result.deleted,
    unchanged: result.unchanged,
  });
}

export const handler = (event: unknown): Promise<void> => runStep(event, { client, settings, log, notify, publish });

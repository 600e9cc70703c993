// Secrets Manager rotation Lambda entry point (handler: index.handler).
// The nodejs22.x runtime provides the AWS SDK v3; the bundle leaves it external.

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { postNotice } from './notify.js';
import { readSettings } from './settings.js';
import { runStep, type RotationLog } from './steps.js';

const settings = readSettings(process.env);
// The SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL itself.
const client = new SecretsManagerClient({});

const log: RotationLog = (message, fields) => console.log(JSON.stringify({ level: 'info', source: 'basicauth-rotate', message, ...fields }));

async function notify(notice: Parameters<typeof postNotice>[1]): Promise<void> {
  if (!settings.webhookUrl) return;
  const result = await postNotice(settings.webhookUrl, notice);
  // The webhook URL is itself a credential (Slack): log its host only.
  const host = new URL(settings.webhookUrl).host;
  if (result.ok) log('notify.sent', { host });
  else console.log(JSON.stringify({ level: 'warn', source: 'basicauth-rotate', message: 'notify.failed', host, error: result.error }));
}

export const handler = (event: unknown): Promise<void> => runStep(event, { client, settings, log, notify });

import type { DevSession } from '../ops/dev.js';
import type { Style } from './plain.js';
import { shellArg } from './shell.js';

/** What `basicauth dev` prints once it serves: where things are and how to get in. */
export function devReadyText(s: Omit<DevSession, 'stop'>, style: Style): string {
  const stateFlag = s.stateDir.endsWith('.basicauth/local') ? '' : ` --state-dir ${shellArg(s.stateDir)}`;
  const row = (name: string, value: string) => `  ${name.padEnd(16)}${value}`;
  return [
    '',
    style.bold('basicauth dev is running'),
    '',
    row('protected site', style.bold(s.edgeUrl)),
    row('origin', s.demoOrigin ? `built-in demo page (${s.originUrl})` : s.originUrl),
    row('local AWS', `${s.endpoint}  (AWS_ENDPOINT_URL for the AWS CLI and SDKs)`),
    row(
      'secret',
      s.engine === 'cloudfront-function'
        ? `${s.secretName}, checked by the CloudFront function ${s.edgeFunctionName} (digests in a key value store)`
        : `${s.secretName}, edge function version ${s.edgeVersion}`,
    ),
    row('state', s.stateDir),
    ...(s.dashboardUrl
      ? [row('dashboard', `${s.dashboardUrl}  (live: secret versions, edge instances, decisions; no passwords)`)]
      : []),
    '',
    row('credentials', `npx basicauth show-creds --local${stateFlag}`),
    row('try it', `curl -u "$(npx basicauth show-creds --local${stateFlag} --format curl)" ${s.edgeUrl}`),
    '',
    style.dim('Press Ctrl-C to stop.'),
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { devReadyText } from '../../../cli/ui/dev-ready.js';
import { shellArg } from '../../../cli/ui/shell.js';
import { PLAIN_STYLE } from '../../../cli/ui/plain.js';

const plain = PLAIN_STYLE;
const session = {
  pid: 1,
  stateDir: "/home/me/My Sites/it's here/.state",
  endpoint: 'http://127.0.0.1:4599',
  edgeUrl: 'http://127.0.0.1:8080/',
  region: 'us-east-1',
  secretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:basicauth/dev-AbCdEf',
  secretName: 'basicauth/dev',
  distributionId: 'E2QWRUHAPOMQZL',
  edgeFunctionName: 'basicauth-dev-edge-auth',
  rotateFunctionName: 'basicauth-dev-rotate',
  startedAt: '2026-11-29T12:00:00.000Z',
  dashboardUrl: 'http://127.0.0.1:4599/_local/dashboard',
  originUrl: 'http://127.0.0.1:40000',
  demoOrigin: true,
  edgeVersion: '1',
};

describe('the dev start screen', () => {
  it('prints commands that work when pasted, a state directory with spaces and quotes included', () => {
    const text = devReadyText(session, plain);
    expect(text).toContain(`npx basicauth show-creds --local --state-dir '/home/me/My Sites/it'\\''s here/.state'`);
    expect(text).toContain('dashboard       http://127.0.0.1:4599/_local/dashboard');
    expect(shellArg('/tmp/plain-dir_1')).toBe('/tmp/plain-dir_1');
  });

  it('names the engine that checks the credentials', () => {
    expect(devReadyText(session, plain)).toContain('basicauth/dev, edge function version 1');
    const cff = devReadyText({ ...session, engine: 'cloudfront-function', edgeVersion: 'LIVE' }, plain);
    expect(cff).toContain('checked by the CloudFront function basicauth-dev-edge-auth (digests in a key value store)');
  });
});

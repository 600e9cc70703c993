import { describe, expect, it } from 'vitest';
import type { Status } from '../../../cli/ops/status.js';
import { formatWhen } from '../../../cli/ui/dates.js';
import { statusText } from '../../../cli/ui/status.js';
import { PLAIN_STYLE } from '../../../cli/ui/plain.js';

const plain = PLAIN_STYLE;
const colour = {
  dim: (t: string) => `\u001b[2m${t}\u001b[22m`,
  red: (t: string) => `\u001b[31m${t}\u001b[39m`,
  yellow: (t: string) => `\u001b[33m${t}\u001b[39m`,
  green: (t: string) => `\u001b[32m${t}\u001b[39m`,
  bold: (t: string) => t,
};
const NOW = Date.parse('2026-11-29T12:00:00Z');

const status: Status = {
  tokens: [],
  secret: {
    arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:basicauth/staging-AbCdEf',
    name: 'basicauth/staging',
    rotationEnabled: true,
    schedule: 'every 30 days',
    rotationFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:staging-rotate',
    lastRotated: '2026-11-26T12:00:00.000Z',
    nextRotation: '2026-12-26T12:00:00.000Z',
    versions: [
      {
        versionId: 'a1b2c3d4-0000-4000-8000-000000000001',
        stages: ['AWSCURRENT'],
        created: '2026-11-26T12:00:00.000Z',
      },
      {
        versionId: 'a1b2c3d4-0000-4000-8000-000000000002',
        stages: ['AWSPREVIOUS'],
        created: '2026-10-27T12:00:00.000Z',
      },
    ],
    replicas: [],
  },
  edge: {
    engine: 'lambda-edge',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:staging-edge-auth',
    latestVersion: '4',
    distributionId: 'E2QWRUHAPOMQZL',
    domainName: 'd111111abcdef8.cloudfront.net',
    status: 'Deployed',
    behaviors: [
      { pathPattern: '*', version: '4' },
      { pathPattern: '/api/*', version: '4' },
    ],
    unprotected: ['/public/*'],
  },
  problems: [],
};

describe('status for people', () => {
  it('lines the labels and the columns up, with or without colour, and prints dates one way', () => {
    for (const style of [plain, colour]) {
      const text = statusText(status, style, NOW).replace(/\u001b\[[0-9;]*m/g, '');
      for (const label of ['name', 'rotation', 'last rotated', 'next', 'function', 'distribution']) {
        const line = text.split('\n').find((l) => l.startsWith(`  ${label} `));
        expect(line, label).toBeDefined();
        expect(line!.slice(0, 16).trimEnd(), label).toBe(`  ${label}`); // the value starts at column 16, whatever the label
        expect(line![16], label).not.toBe(' ');
      }
      const versions = text.split('\n').filter((l) => l.startsWith('    a1b2c3d4'));
      expect(new Set(versions.map((l) => l.indexOf('2026-')))).toHaveProperty('size', 1); // the date column is one column
      const behaviors = text.split('\n').filter((l) => /^ {4}(\*|\/)/.test(l));
      expect(new Set(behaviors.map((l) => l.search(/(version|no password)/)))).toHaveProperty('size', 1);
      expect(text).toContain(`last rotated  ${formatWhen('2026-11-26T12:00:00.000Z', NOW)}`);
      expect(formatWhen('2026-11-26T12:00:00.000Z', NOW)).toBe('2026-11-26 12:00 UTC (3 days ago)');
      expect(formatWhen('2026-12-26T12:00:00.000Z', NOW)).toBe('2026-12-26 12:00 UTC (in 27 days)');
    }
  });
});

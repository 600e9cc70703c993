// What a user can fix exits 1 with the fix named; only what is left is a bug (70).
import { describe, expect, it } from 'vitest';
import { CliError, EXIT, UsageError } from '../../../cli/core/errors.js';
import { reportError } from '../../../cli/core/report.js';

const withProps = <T extends Error>(error: T, props: Record<string, unknown>) => Object.assign(error, props);

describe('reportError', () => {
  it('keeps CliError and UsageError codes', () => {
    expect(reportError(new CliError('bad', { hint: 'fix it' }))).toEqual({
      exitCode: EXIT.failure,
      message: 'bad',
      hint: 'fix it',
    });
    expect(reportError(new UsageError('no such option')).exitCode).toBe(EXIT.usage);
  });

  it('a name that does not resolve is a network failure (exit 1), found through fetch-style causes', () => {
    const dns = withProps(new Error('getaddrinfo ENOTFOUND secretsmanager.example'), {
      code: 'ENOTFOUND',
      hostname: 'secretsmanager.example',
    });
    const report = reportError(new TypeError('fetch failed', { cause: dns }));
    expect(report.exitCode).toBe(EXIT.failure);
    expect(report.message).toBe('could not reach secretsmanager.example (ENOTFOUND)');
    expect(report.hint).toMatch(/network/);
  });

  it('a refused loopback connection names basicauth dev', () => {
    const refused = withProps(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 4566,
    });
    const report = reportError(refused);
    expect(report).toMatchObject({ exitCode: EXIT.failure, message: 'could not reach 127.0.0.1:4566 (ECONNREFUSED)' });
    expect(report.hint).toMatch(/basicauth dev/);
  });

  it('AWS service errors are the user’s to fix (exit 1), with a hint by kind', () => {
    const denied = withProps(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(reportError(denied)).toMatchObject({
      exitCode: EXIT.failure,
      message: expect.stringContaining('AccessDeniedException'),
    });
    expect(reportError(denied).hint).toMatch(/permission/);
    const noCreds = withProps(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(reportError(noCreds)).toMatchObject({ exitCode: EXIT.failure, hint: expect.stringMatching(/credentials/) });
    const server = withProps(new Error('internal'), {
      name: 'InternalServiceError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect(reportError(server).hint).toMatch(/again/);
  });

  it('anything else is a bug: exit 70', () => {
    expect(reportError(new TypeError('x is undefined')).exitCode).toBe(EXIT.unexpected);
    expect(reportError(withProps(new Error('disk'), { code: 'EIO' })).exitCode).toBe(EXIT.unexpected);
  });
});

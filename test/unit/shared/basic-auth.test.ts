import { describe, expect, it } from 'vitest';
import { MAX_AUTHORIZATION_LENGTH, parseAuthorization } from '../../../handlers/shared/basic-auth.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const decoded = (value: string) => {
  const parsed = parseAuthorization([value]);
  return parsed.ok ? Buffer.from(parsed.credentials).toString('utf8') : parsed.reason;
};

describe('parseAuthorization (RFC 7617)', () => {
  it('decodes the RFC example', () => {
    expect(decoded('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toBe('Aladdin:open sesame');
  });

  it('accepts the scheme in any case and tolerates surrounding whitespace', () => {
    for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
      expect(decoded(`${scheme} ${b64('a:b')}`)).toBe('a:b');
    }
    expect(decoded(`  Basic \t ${b64('a:b')} \t`)).toBe('a:b');
  });

  it('keeps every colon after the first in the password', () => {
    expect(decoded(`Basic ${b64('user:pa:ss:word')}`)).toBe('user:pa:ss:word');
  });

  it('accepts UTF-8 user-ids and passwords (charset="UTF-8")', () => {
    expect(decoded(`Basic ${b64('test:123£')}`)).toBe('test:123£');
    expect(decoded(`Basic ${b64('ユーザー:パスワード')}`)).toBe('ユーザー:パスワード');
  });

  it('refuses what is missing, doubled or too large', () => {
    expect(parseAuthorization(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(parseAuthorization([])).toEqual({ ok: false, reason: 'missing' });
    expect(parseAuthorization([`Basic ${b64('a:b')}`, `Basic ${b64('a:b')}`])).toEqual({
      ok: false,
      reason: 'multiple',
    });
    expect(decoded(`Basic ${'A'.repeat(MAX_AUTHORIZATION_LENGTH)}`)).toBe('oversized');
  });

  it('refuses other schemes and a missing token', () => {
    expect(decoded('Bearer abc')).toBe('not-basic');
    expect(decoded('Basic')).toBe('not-basic');
    expect(decoded('Basic ')).toBe('not-basic');
    expect(decoded('Basicabc')).toBe('not-basic');
    expect(decoded(`Basic ${b64('a:b')} extra`)).toBe('not-basic');
    expect(decoded(`Digest ${b64('a:b')}`)).toBe('not-basic');
  });

  it('refuses base64 that is not strict and canonical', () => {
    expect(decoded('Basic YTpi')).toBe('a:b');
    expect(decoded('Basic YTpiYw==')).toBe('a:bc');
    expect(decoded('Basic YTpiYw')).toBe('bad-base64'); // missing padding
    expect(decoded('Basic YTpiYw=')).toBe('bad-base64');
    expect(decoded('Basic YTpiYx==')).toBe('bad-base64'); // non-zero trailing bits
    expect(decoded('Basic YT-i')).toBe('not-basic'); // base64url alphabet
    expect(decoded('Basic YT pi')).toBe('not-basic');
    expect(decoded('Basic ====')).toBe('not-basic');
    expect(decoded('Basic YQ==YQ==')).toBe('not-basic'); // padding inside
  });

  it('refuses invalid UTF-8 and credentials without a colon', () => {
    expect(decoded(`Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}`)).toBe('bad-utf8');
    expect(decoded(`Basic ${b64('nocolon')}`)).toBe('no-colon');
  });
});

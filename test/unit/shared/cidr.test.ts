import { describe, expect, it } from 'vitest';
import { compileAllowlist, parseCidrOrUndefined, parseIp } from '../../../handlers/shared/cidr.js';

describe('parseIp', () => {
  it('reads IPv4 into the IPv4-mapped range', () => {
    expect(parseIp('1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIp('::ffff:1.2.3.4')).toEqual(parseIp('1.2.3.4'));
  });

  it('reads IPv6 with and without compression', () => {
    expect(parseIp('2001:db8::1')).toEqual(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'));
    expect(parseIp('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIp('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('fe80::')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'fe80::1%eth0',
    ' 1.2.3.4',
  ])('refuses %j', (text) => expect(parseIp(text)).toBeUndefined());
});

describe('compileAllowlist', () => {
  it('matches prefixes of both families', () => {
    const allowed = compileAllowlist(['192.0.2.0/24', '198.51.100.7', '2001:db8:abcd::/48', '::1/128']);
    expect(allowed('192.0.2.255')).toBe(true);
    expect(allowed('192.0.3.0')).toBe(false);
    expect(allowed('198.51.100.7')).toBe(true);
    expect(allowed('198.51.100.8')).toBe(false);
    expect(allowed('2001:db8:abcd:12::1')).toBe(true);
    expect(allowed('2001:db8:abce::1')).toBe(false);
    expect(allowed('::1')).toBe(true);
    expect(allowed('')).toBe(false);
  });

  it('treats /0 as everything of its family only', () => {
    const v4 = compileAllowlist(['0.0.0.0/0']);
    expect(v4('8.8.8.8')).toBe(true);
    expect(v4('2001:db8::1')).toBe(false);
    expect(compileAllowlist(['::/0'])('2001:db8::1')).toBe(true);
  });

  it('refuses prefixes longer than the family allows', () => {
    expect(parseCidrOrUndefined('1.2.3.4/33')).toBeUndefined();
    expect(parseCidrOrUndefined('::/129')).toBeUndefined();
    expect(parseCidrOrUndefined('1.2.3.4/x')).toBeUndefined();
  });
});

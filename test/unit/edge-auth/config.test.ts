import { describe, expect, it } from 'vitest';
import { EDGE_AUTH_DEFAULTS, resolveEdgeAuthConfig } from '../../../handlers/edge-auth/config.js';

const base = { secretId: 'basicauth/staging', secretRegion: 'eu-west-1' };

describe('resolveEdgeAuthConfig', () => {
  it('fills defaults', () => {
    expect(resolveEdgeAuthConfig(base)).toEqual({ ...EDGE_AUTH_DEFAULTS, ...base });
  });

  it('drops the home region from the replica list', () => {
    expect(
      resolveEdgeAuthConfig({ ...base, replicaRegions: ['eu-west-1', 'us-east-1', 'us-east-1'] }).replicaRegions,
    ).toEqual(['us-east-1']);
  });

  it.each([
    [{ secretRegion: 'eu-west-1' }, /secretId is missing: expected a secret name or ARN/],
    [{ ...base, secretRegion: 'Ireland' }, /secretRegion is "Ireland": expected an AWS region/],
    [{ ...base, realm: 'say "hi"' }, /realm is "say \\"hi\\"": expected printable ASCII/],
    [{ ...base, cacheTtlSeconds: 0 }, /cacheTtlSeconds is 0: expected a whole number from 1 to 86400/],
    [{ ...base, cacheTtlSeconds: '60' }, /cacheTtlSeconds is "60"/],
    [
      { ...base, allowCidrs: ['10.0.0.0/8', '10.0.0.0/33'] },
      /allowCidrs\[1\] is "10.0.0.0\/33": expected an IPv4 or IPv6 CIDR/,
    ],
    [{ ...base, bypassPaths: ['healthz'] }, /bypassPaths\[0\] is "healthz": expected a path pattern starting with \//],
    [{ ...base, stripAuthorization: 'yes' }, /stripAuthorization is "yes": expected true or false/],
    [
      { ...base, regionOverrides: { 'ap-south-1': 'us-west-2' } },
      /regionOverrides\["ap-south-1"\] must name the home region or a replica/,
    ],
    [{ ...base, cacheTTL: 5 }, /unknown field "cacheTTL"/],
    [null, /must be an object/],
  ])('names the field and what is allowed: %j', (input, message) => {
    expect(() => resolveEdgeAuthConfig(input)).toThrow(message);
  });
});

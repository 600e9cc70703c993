import { describe, expect, it } from 'vitest';
import { secretIdIn, secretRegionsFor } from '../../../handlers/edge-auth/regions.js';

const choice = { secretRegion: 'ap-northeast-1', replicaRegions: ['us-east-1', 'eu-central-1'], regionOverrides: {} };

describe('secretRegionsFor', () => {
  it('reads the copy in the region it runs in', () => {
    expect(secretRegionsFor('eu-central-1', choice)).toEqual(['eu-central-1', 'ap-northeast-1']);
    expect(secretRegionsFor('ap-northeast-1', choice)).toEqual(['ap-northeast-1']);
  });

  it('reads the nearest copy from elsewhere, home as the fallback', () => {
    expect(secretRegionsFor('eu-west-2', choice)).toEqual(['eu-central-1', 'ap-northeast-1']);
    expect(secretRegionsFor('us-west-2', choice)).toEqual(['us-east-1', 'ap-northeast-1']);
    expect(secretRegionsFor('ap-southeast-1', choice)).toEqual(['ap-northeast-1']);
    expect(secretRegionsFor('sa-east-1', choice)).toEqual(['us-east-1', 'ap-northeast-1']);
  });

  it('follows overrides and falls back home for unknown regions', () => {
    expect(secretRegionsFor('ap-south-1', { ...choice, regionOverrides: { 'ap-south-1': 'eu-central-1' } })).toEqual([
      'eu-central-1',
      'ap-northeast-1',
    ]);
    expect(secretRegionsFor('xx-nowhere-9', choice)).toEqual(['ap-northeast-1']);
    expect(secretRegionsFor(undefined, choice)).toEqual(['ap-northeast-1']);
    expect(secretRegionsFor('eu-west-2', { ...choice, replicaRegions: [] })).toEqual(['ap-northeast-1']);
  });
});

describe('secretIdIn', () => {
  it('swaps the region of an ARN and leaves names alone', () => {
    expect(secretIdIn('arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:basicauth-AbCdEf', 'us-east-1')).toBe(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:basicauth-AbCdEf',
    );
    expect(secretIdIn('basicauth/staging', 'us-east-1')).toBe('basicauth/staging');
  });
});

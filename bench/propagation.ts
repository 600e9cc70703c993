// Propagation after a rotation, with the local edge at 8 instances under
// steady traffic: how long until every instance accepts the new password,
// and until every instance refuses the old one. Ours (defaults: TTL 300 s,
// refresh-on-miss every 5 s, no grace) against the seed article's caching
// (kept until the instance cold-starts), measured the same way.

import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { startLocalSite } from '../test/helpers/local-site.js';

export interface PropagationFigures {
  variant: string;
  newAcceptedByAllMs: number | undefined;
  oldRefusedByAllMs: number | undefined;
  windowMs: number;
}

const INSTANCES = 8;

async function measure(variant: string, edge: Record<string, unknown>, windowMs: number): Promise<PropagationFigures> {
  const oldPassword = 'propagation-old-Password-0123';
  const site = await startLocalSite({ instances: INSTANCES, edge, value: { username: 'admin', password: oldPassword } });
  try {
    const { sm } = site.t;
    const auth = (p: string) => ({ authorization: `Basic ${Buffer.from(`admin:${p}`).toString('base64')}` });
    // Requests go round-robin: a run of 8 sequential requests visits each instance once.
    const sweep = async (password: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < INSTANCES; i++) statuses.push((await fetch(site.edge.url, { headers: auth(password) })).status);
      return statuses;
    };
    for (let i = 0; i < 3; i++) await sweep(oldPassword); // every instance warm, old password cached
    await sm.send(new RotateSecretCommand({ SecretId: 'basicauth/test', RotationLambdaARN: site.rotateArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: true }));
    // wait for the rotation to complete, then read the new password as a user would
    let newPassword = '';
    for (;;) {
      const d = await sm.send(new DescribeSecretCommand({ SecretId: 'basicauth/test' }));
      const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      if (current && !Object.values(d.VersionIdsToStages ?? {}).flat().includes('AWSPENDING')) {
        const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
        const v = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'basicauth/test' }))).SecretString!);
        if (v.password !== oldPassword) {
          newPassword = v.password;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const rotated = performance.now();
    let newAll: number | undefined;
    let oldAll: number | undefined;
    // steady traffic: users with the new password and users still on the old one
    while (performance.now() - rotated < windowMs && (newAll === undefined || oldAll === undefined)) {
      const [fresh, stale] = [await sweep(newPassword), await sweep(oldPassword)];
      const now = performance.now() - rotated;
      if (newAll === undefined && fresh.every((s) => s === 200)) newAll = now;
      if (oldAll === undefined && stale.every((s) => s === 401)) oldAll = now;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { variant, newAcceptedByAllMs: newAll, oldRefusedByAllMs: oldAll, windowMs };
  } finally {
    await site.stop();
  }
}

export async function propagation(windowMs = 30_000): Promise<PropagationFigures[]> {
  return [
    await measure('ours (TTL 300 s, refresh-on-miss ≥ 5 s apart)', {}, windowMs),
    await measure("seed article's caching (until cold start)", { cacheTtlSeconds: 86_400, refreshMinIntervalSeconds: 3600 }, windowMs),
  ];
}

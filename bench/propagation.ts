// Propagation after a rotation: the time from AWSCURRENT moving (the local
// cloud's own `secret.stage` event, inside the rotation's finishSecret) to
// every edge instance holding the new version (each instance's own
// `secret.fetch` log line), with the default edge settings and 4 instances,
// while a user who has just read the new password keeps trying it. Three
// kinds of background traffic: none, a flood repeating one wrong credential
// (a stale browser, a broken script), and a flood of distinct wrong
// passwords (a guessing attack), started 2 s before the rotation.

import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import type { LocalEvent } from '../cli/local/events.js';
import { startLocalSite } from '../test/helpers/local-site.js';
import { spread, type Spread, basic, rotateNow } from './lib.js';

export const PROPAGATION_INSTANCES = 4;
export const PROPAGATION_GOAL_MS = 1000;

export type Flood = 'none' | 'repeated' | 'distinct';

export interface PropagationFigures {
  flood: Flood;
  /** per round: AWSCURRENT moving → the last instance holding the new version; undefined past the window */
  rounds: Array<number | undefined>;
  spread: Spread;
  /** wrong requests per second the flood achieved during the rounds */
  floodRate: number;
  /** GetSecretValue calls per instance per second while the flood ran before the rotation (a repeated credential: only its first miss) */
  floodFetchesPerInstanceSecond: number;
  windowMs: number;
}

async function measure(flood: Flood, rounds: number, windowMs: number): Promise<PropagationFigures> {
  let password = 'propagation-first-Password-0123';
  // what the instances say, as it happens
  const loadedAt = new Map<string, number>(); // instance label -> when it loaded `awaited`
  let awaited = '';
  let movedAt = 0;
  let fetches = 0;
  const onEvent = (event: LocalEvent) => {
    if (event.type === 'secret.stage' && event.stage === 'AWSCURRENT') {
      awaited = event.versionId;
      movedAt = Date.now();
    }
    if (event.type !== 'function.log' || !event.label.includes('edge')) return;
    const line = JSON.parse(event.line) as { event?: string; versionId?: string };
    if (line.event !== 'secret.fetch' || !line.versionId) return;
    fetches++;
    if (line.versionId === awaited && !loadedAt.has(event.label)) loadedAt.set(event.label, Date.now());
  };
  const site = await startLocalSite({
    instances: PROPAGATION_INSTANCES,
    edge: {},
    value: { username: 'admin', password },
    onEvent,
  });
  const figures: Array<number | undefined> = [];
  let floodRequests = 0;
  let floodMs = 0;
  let floodFetches = 0;
  try {
    const { sm } = site.t;
    const get = (authorization: string) =>
      fetch(site.edge.url, { headers: { authorization } }).then(
        (r) => r.status,
        () => 0,
      );
    for (let round = 0; round < rounds; round++) {
      // every instance warm with the current password (requests go round robin)
      for (let i = 0; i < PROPAGATION_INSTANCES * 2; i++) await get(basic('admin', password));
      let flooding = flood !== 'none';
      const floodStarted = Date.now();
      const floodCount = { n: 0 };
      const floods = flooding
        ? Array.from({ length: 4 }, async () => {
            while (flooding) {
              await get(
                basic(
                  'admin',
                  flood === 'repeated' ? 'the-same-wrong-password' : randomBytes(12).toString('base64url'),
                ),
              );
              floodCount.n++;
            }
          })
        : [];
      const fetchesBefore = fetches;
      if (flooding) await new Promise((r) => setTimeout(r, 2000));
      floodFetches += fetches - fetchesBefore;
      loadedAt.clear();
      awaited = '';
      await sm.send(await rotateNow(site.rotateArn));
      // the new password, as soon as a user can read it
      while (!awaited) await new Promise((r) => setTimeout(r, 2));
      password = JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'basicauth/test' }))).SecretString!,
      ).password;
      // that user keeps trying it, every 20 ms, until every instance holds the new version
      while (loadedAt.size < PROPAGATION_INSTANCES && Date.now() - movedAt < windowMs) {
        await get(basic('admin', password));
        await new Promise((r) => setTimeout(r, 20));
      }
      figures.push(loadedAt.size === PROPAGATION_INSTANCES ? Math.max(...loadedAt.values()) - movedAt : undefined);
      flooding = false;
      await Promise.all(floods);
      floodRequests += floodCount.n;
      floodMs += Date.now() - floodStarted;
      // the instances all accept it now (a check of the measurement itself)
      for (let i = 0; i < PROPAGATION_INSTANCES; i++) {
        const status = await get(basic('admin', password));
        if (status !== 200 && figures.at(-1) !== undefined)
          throw new Error(`propagation bench: an instance answered ${status} for the new password after loading it`);
      }
    }
  } finally {
    await site.stop();
  }
  const measured = figures.filter((f): f is number => f !== undefined);
  return {
    flood,
    rounds: figures,
    spread: spread(measured),
    floodRate: floodMs ? (floodRequests * 1000) / floodMs : 0,
    floodFetchesPerInstanceSecond: flood === 'none' ? 0 : floodFetches / (2 * rounds) / PROPAGATION_INSTANCES,
    windowMs,
  };
}

export async function propagation(rounds = 5, windowMs = 10_000): Promise<PropagationFigures[]> {
  const out: PropagationFigures[] = [];
  for (const flood of ['none', 'repeated', 'distinct'] as const) out.push(await measure(flood, rounds, windowMs));
  return out;
}

// What the CloudFront Functions engine keeps in its store: salted digests only,
// written once (a second publish of the same version writes nothing), the
// replaced password within its grace, removed users gone.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  saltedDigest,
  inStep,
  META_KEY,
  parseMeta,
  planDigests,
  type DigestPlanInput,
} from '../../../handlers/shared/kvs-digests.js';

const v1 = {
  versionId: 'v1',
  users: new Map([
    ['alice', 'alice-Password-1'],
    ['bob', 'bob-Password-1'],
  ]),
};
const v2 = {
  versionId: 'v2',
  users: new Map([
    ['alice', 'alice-Password-2'],
    ['bob', 'bob-Password-2'],
  ]),
};
const NOW = 1_800_000_000_000;

/** Applies a plan to a store. */
function apply(store: Map<string, string>, input: Omit<DigestPlanInput, 'existing'>): Map<string, string> {
  const plan = planDigests({ ...input, existing: store });
  const next = new Map(store);
  for (const d of plan.deletes) next.delete(d.Key);
  for (const p of plan.puts) next.set(p.Key, p.Value);
  return next;
}

describe('planDigests', () => {
  it('writes one salted HMAC per user and the version: no password, no unsalted hash, no salt reused', () => {
    const store = apply(new Map(), { current: v1, now: NOW });
    expect([...store.keys()].sort()).toEqual([META_KEY, 'u:alice', 'u:bob']);
    const text = [...store.values()].join('\n');
    for (const [user, password] of v1.users) {
      expect(text).not.toContain(password);
      for (const plain of [password, `${user}:${password}`]) {
        for (const alg of ['sha256', 'sha1', 'md5'])
          expect(text).not.toContain(createHash(alg).update(plain).digest('hex'));
      }
      const entry = JSON.parse(store.get(`u:${user}`)!);
      expect(entry).toEqual({
        v: 'v1',
        s: expect.stringMatching(/^[0-9a-f]{32}$/),
        d: saltedDigest(entry.s, user, password),
      });
    }
    expect(JSON.parse(store.get('u:alice')!).s).not.toBe(JSON.parse(store.get('u:bob')!).s);
    expect(parseMeta(store.get(META_KEY))).toMatchObject({ v: 'v1', n: 2, g: 0 });
  });

  it('writes nothing the second time: a sync of a store in step is a no-op', () => {
    const store = apply(new Map(), { current: v1, now: NOW });
    const again = planDigests({ current: v1, existing: store, now: NOW + 1000 });
    expect(again.puts).toEqual([]);
    expect(again.deletes).toEqual([]);
    expect(inStep({ current: v1, existing: store, now: NOW })).toBe(true);
    expect(inStep({ current: v2, existing: store, now: NOW })).toBe(false);
  });

  it('keeps the replaced passwords (under their old salt) until the grace period ends, then not', () => {
    const s1 = apply(new Map(), { current: v1, now: NOW });
    const until = NOW + 300_000;
    const s2 = apply(s1, { current: v2, previous: v1, previousUntil: until, now: NOW, graceSeconds: 300 });
    const alice = JSON.parse(s2.get('u:alice')!);
    expect(alice).toMatchObject({
      v: 'v2',
      ps: JSON.parse(s1.get('u:alice')!).s,
      pd: JSON.parse(s1.get('u:alice')!).d,
      pu: until,
    });
    expect(alice.s).not.toBe(alice.ps);
    // LastRotatedDate is stamped a moment after the rotation published: not a change
    expect(
      inStep({ current: v2, previous: v1, previousUntil: until + 2000, existing: s2, now: NOW, graceSeconds: 300 }),
    ).toBe(true);
    // once the grace period is over, an entry still carrying it is in step (the function ignores it)
    expect(
      inStep({ current: v2, previous: v1, previousUntil: until, existing: s2, now: until + 1, graceSeconds: 300 }),
    ).toBe(true);
  });

  it('removes a user who left, and adds one who came, touching nobody else', () => {
    const s1 = apply(new Map(), { current: v1, now: NOW });
    const carolOnly = {
      versionId: 'v3',
      users: new Map([
        ['alice', 'alice-Password-1'],
        ['carol', 'carol-Password-1'],
      ]),
    };
    const plan = planDigests({ current: carolOnly, existing: s1, now: NOW });
    expect(plan.deletes).toEqual([{ Key: 'u:bob' }]);
    expect(plan.puts.map((p) => p.Key).sort()).toEqual([META_KEY, 'u:alice', 'u:carol']);
    expect(plan.puts.at(-1)?.Key).toBe(META_KEY); // the meta key says "published": last
  });

  it('replaces an entry whose digest no longer verifies (a store edited by hand)', () => {
    const s1 = apply(new Map(), { current: v1, now: NOW });
    s1.set('u:alice', JSON.stringify({ v: 'v1', s: '00', d: 'ff' }));
    expect(inStep({ current: v1, existing: s1, now: NOW })).toBe(false);
    expect(planDigests({ current: v1, existing: s1, now: NOW }).puts.map((p) => p.Key)).toEqual(['u:alice', META_KEY]);
  });
});

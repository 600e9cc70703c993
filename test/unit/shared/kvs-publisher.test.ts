// Publishing digests: ETag-conditional batches, planned again from a fresh
// read when another writer moved the ETag, idempotent, the meta key last.
import { describe, expect, it } from 'vitest';
import { publishDigests, readCredentials } from '../../../handlers/shared/kvs-publisher.js';

type Sent = { name: string; input: Record<string, unknown> };

/** A Secrets Manager and a KeyValueStore in memory, speaking through `send` like the SDK clients. */
function fakes(users: Record<string, string>, options: { conflictsFirst?: number } = {}) {
  const items = new Map<string, string>();
  let etag = 1;
  let conflicts = options.conflictsFirst ?? 0;
  const sent: Sent[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    sent.push({ name, input: command.input });
    switch (name) {
      case 'DescribeSecret':
        return { LastRotatedDate: new Date(1_800_000_000_000) };
      case 'GetSecretValue':
        if (command.input.VersionStage === 'AWSPREVIOUS')
          throw Object.assign(new Error('no previous'), { name: 'ResourceNotFoundException' });
        return { VersionId: 'v1', SecretString: JSON.stringify({ users }) };
      case 'DescribeKeyValueStore':
        return { ETag: `E${etag}` };
      case 'ListKeys':
        return { Items: [...items].map(([Key, Value]) => ({ Key, Value })) };
      case 'UpdateKeys': {
        if (conflicts > 0) {
          conflicts--;
          etag++; // someone else wrote
          throw Object.assign(new Error('etag moved'), { name: 'ConflictException' });
        }
        if (command.input.IfMatch !== `E${etag}`) throw Object.assign(new Error('etag'), { name: 'ConflictException' });
        for (const d of (command.input.Deletes as Array<{ Key: string }>) ?? []) items.delete(d.Key);
        for (const p of (command.input.Puts as Array<{ Key: string; Value: string }>) ?? []) items.set(p.Key, p.Value);
        etag++;
        return { ETag: `E${etag}` };
      }
      default:
        throw new Error(`unexpected ${name}`);
    }
  };
  return { client: { send } as never, items, sent };
}

const input = (f: ReturnType<typeof fakes>) => ({
  secrets: f.client,
  kvs: f.client,
  secretId: 's',
  kvsArn: 'arn:aws:cloudfront::123456789012:key-value-store/x',
  graceSeconds: 0,
});

describe('publishDigests', () => {
  it('writes every user and the meta key last, with the ETag it read', async () => {
    const f = fakes({ alice: 'alice-Password-1', bob: 'bob-Password-1' });
    const result = await publishDigests(input(f));
    expect(result).toMatchObject({ versionId: 'v1', written: 3, deleted: 0 });
    const update = f.sent.find((s) => s.name === 'UpdateKeys')!;
    expect(update.input.IfMatch).toBe('E1');
    expect((update.input.Puts as Array<{ Key: string }>).map((p) => p.Key)).toEqual([
      'u:alice',
      'u:bob',
      'basicauth:meta',
    ]);
  });

  it('publishing again writes nothing', async () => {
    const f = fakes({ alice: 'alice-Password-1' });
    await publishDigests(input(f));
    const again = await publishDigests(input(f));
    expect(again).toMatchObject({ written: 0, deleted: 0 });
    expect(f.sent.filter((s) => s.name === 'UpdateKeys')).toHaveLength(1);
  });

  it('reads again and retries when another writer moved the ETag, and gives up after five tries', async () => {
    const f = fakes({ alice: 'alice-Password-1' }, { conflictsFirst: 2 });
    await publishDigests(input(f));
    expect(f.sent.filter((s) => s.name === 'DescribeKeyValueStore')).toHaveLength(3);
    expect(f.items.has('u:alice')).toBe(true);
    const hopeless = fakes({ alice: 'alice-Password-1' }, { conflictsFirst: 99 });
    await expect(publishDigests(input(hopeless))).rejects.toMatchObject({ name: 'ConflictException' });
    expect(hopeless.sent.filter((s) => s.name === 'UpdateKeys')).toHaveLength(5);
  });

  it('writes in batches of at most 50, each with the ETag the last one returned', async () => {
    const users = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`user${i}`, `Password-of-user-${i}`]));
    const f = fakes(users);
    await publishDigests(input(f));
    const updates = f.sent.filter((s) => s.name === 'UpdateKeys');
    expect(updates.map((u) => (u.input.Puts as unknown[]).length)).toEqual([50, 50, 21]);
    expect(updates.map((u) => u.input.IfMatch)).toEqual(['E1', 'E2', 'E3']);
    expect(f.items.size).toBe(121);
  });
});

describe('readCredentials', () => {
  it("gives previous passwords only to users whose current one came from the rotation (a re-added user's old one stays dead)", async () => {
    const rotatedAt = Date.now() - 60_000;
    const values: Record<string, unknown> = {
      AWSPREVIOUS: { users: { alice: 'alice-Password-1', bob: 'bob-Password-1' } },
      AWSCURRENT: {
        users: { alice: 'alice-Password-3', bob: 'bob-Password-2' },
        passwordSetAt: { alice: new Date().toISOString() },
      },
    };
    const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) =>
      command.constructor.name === 'DescribeSecretCommand'
        ? { LastRotatedDate: new Date(rotatedAt) }
        : {
            VersionId: String(command.input.VersionStage),
            SecretString: JSON.stringify(values[command.input.VersionStage as string]),
          };
    const read = await readCredentials({ secrets: { send } as never, secretId: 's', graceSeconds: 3600 });
    expect([...read.current.users.keys()]).toEqual(['alice', 'bob']);
    expect([...(read.previous?.users ?? new Map())]).toEqual([['bob', 'bob-Password-1']]);
    expect(read.previousUntil).toBe(rotatedAt + 3_600_000);
  });
});

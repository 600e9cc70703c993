// Publishes a secret's credentials to the KeyValueStore as salted digests
// (layout: kvs-digests.ts): reads AWSCURRENT (and AWSPREVIOUS while its grace
// runs), lists the store, and writes only what differs, in ETag-conditional
// batches. A batch that loses the race to another writer is planned again
// from a fresh read: idempotent, safe to retry, safe to run twice at once.

import {
  DescribeKeyValueStoreCommand,
  ListKeysCommand,
  UpdateKeysCommand,
  type CloudFrontKeyValueStoreClient,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { planDigests, type DigestPlan, type VersionUsers } from './kvs-digests.js';
import { graceNames, parseSecretValue, type SecretValue } from './secret-value.js';
import { parseTokens } from './bypass-tokens.js';

// UpdateKeys takes at most 50 puts and deletes together.
const BATCH = 50;
const ATTEMPTS = 5;

export interface PublishInput {
  secrets: Pick<SecretsManagerClient, 'send'>;
  kvs: Pick<CloudFrontKeyValueStoreClient, 'send'>;
  secretId: string;
  kvsArn: string;
  /** how long a replaced password keeps working after a rotation */
  graceSeconds: number;
  /** when the rotation being published finished (default: the secret's LastRotatedDate) */
  rotatedAt?: number;
  now?: () => number;
}

export interface PublishResult {
  versionId: string;
  written: number;
  deleted: number;
  unchanged: number;
  /** the store's ETag after the last write */
  etag: string;
}

/** The secret as the store should reflect it. */
export async function readCredentials(
  input: Pick<PublishInput, 'secrets' | 'secretId' | 'graceSeconds' | 'rotatedAt'>,
): Promise<{ current: VersionUsers; previous?: VersionUsers; previousUntil?: number }> {
  const meta = await input.secrets.send(new DescribeSecretCommand({ SecretId: input.secretId }));
  const read = async (stage: string): Promise<(VersionUsers & { value: SecretValue }) | undefined> => {
    try {
      const out = await input.secrets.send(
        new GetSecretValueCommand({ SecretId: input.secretId, VersionStage: stage }),
      );
      const value = parseSecretValue(out.SecretString ?? '');
      return { versionId: out.VersionId ?? '', users: value.users, value };
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  const currentRead = await read('AWSCURRENT');
  if (!currentRead) throw new Error(`the secret ${input.secretId} has no AWSCURRENT value to publish`);
  const current = {
    versionId: currentRead.versionId,
    users: currentRead.users,
    tokens: parseTokens(currentRead.value.raw),
  };
  if (input.graceSeconds <= 0) return { current };
  const previous = await read('AWSPREVIOUS').catch(() => undefined); // an unusable previous value means "no previous"
  const rotatedAt = input.rotatedAt ?? meta.LastRotatedDate?.getTime();
  if (!previous || rotatedAt === undefined) return { current };
  // only users whose current password came from the rotation keep their replaced one
  const eligible = graceNames(currentRead.value);
  const users = new Map([...previous.users].filter(([name]) => eligible.has(name)));
  return {
    current,
    previous: { versionId: previous.versionId, users },
    previousUntil: rotatedAt + input.graceSeconds * 1000,
  };
}

export async function listStore(
  kvs: PublishInput['kvs'],
  kvsArn: string,
): Promise<{ entries: Map<string, string>; etag: string }> {
  const { ETag } = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
  const entries = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await kvs.send(
      new ListKeysCommand({ KvsARN: kvsArn, MaxResults: 50, ...(token ? { NextToken: token } : {}) }),
    );
    for (const item of page.Items ?? []) if (item.Key !== undefined) entries.set(item.Key, item.Value ?? '');
    token = page.NextToken;
  } while (token);
  return { entries, etag: ETag ?? '' };
}

export async function publishDigests(input: PublishInput): Promise<PublishResult> {
  const now = input.now ?? Date.now;
  const credentials = await readCredentials(input);
  for (let attempt = 1; ; attempt++) {
    const { entries, etag } = await listStore(input.kvs, input.kvsArn);
    const plan: DigestPlan = planDigests({
      ...credentials,
      existing: entries,
      now: now(),
      graceSeconds: input.graceSeconds,
    });
    const result = {
      versionId: credentials.current.versionId,
      written: plan.puts.length,
      deleted: plan.deletes.length,
      unchanged: plan.unchanged,
      etag,
    };
    try {
      result.etag = await write(input, plan, etag);
      return result;
    } catch (error) {
      const name = (error as { name?: string }).name;
      // another writer moved the ETag between our read and write: read again
      if ((name === 'ConflictException' || name === 'ValidationException') && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

async function write(input: PublishInput, plan: DigestPlan, etag: string): Promise<string> {
  // user entries first, the meta key (which says "published") last
  const ops = [...plan.deletes.map((d) => ({ delete: d })), ...plan.puts.map((p) => ({ put: p }))];
  let ifMatch = etag;
  for (let i = 0; i < ops.length; i += BATCH) {
    const batch = ops.slice(i, i + BATCH);
    const puts = batch.flatMap((o) => ('put' in o ? [o.put] : []));
    const deletes = batch.flatMap((o) => ('delete' in o ? [o.delete] : []));
    const out = await input.kvs.send(
      new UpdateKeysCommand({
        KvsARN: input.kvsArn,
        IfMatch: ifMatch,
        ...(puts.length ? { Puts: puts } : {}),
        ...(deletes.length ? { Deletes: deletes } : {}),
      }),
    );
    ifMatch = out.ETag ?? ifMatch;
  }
  return ifMatch;
}

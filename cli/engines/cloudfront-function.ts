// The CloudFront Functions engine's side of status, sync, rotate, users,
// publish and deploy: whether the KeyValueStore holds the digests of
// AWSCURRENT, repairing it when it does not, waiting for it after a rotation,
// and what the distribution runs. Never a password: only versions, counts and
// verdicts.

import type { CloudFrontClient, DistributionConfig } from '@aws-sdk/client-cloudfront';
import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError } from '../core/errors.js';
import { step, type Emit } from '../core/events.js';
import { pollUntil } from '../ops/poll.js';
import type { EdgeEngine, EngineTarget, Problem, StoreState } from './types.js';

export type { StoreState };
import { again } from '../core/next-steps.js';
import { notFound } from '../aws/errors.js';

export interface StoreTarget {
  secretId: string;
  keyValueStoreArn: string;
  /** the config's edge.graceSeconds; unknown: what the store was last published with */
  graceSeconds?: number | undefined;
}

interface Clients {
  sm: Pick<SecretsManagerClient, 'send'>;
  kvs: Pick<CloudFrontKeyValueStoreClient, 'send'>;
}

async function modules() {
  const [digests, publisher] = await Promise.all([
    import('../../handlers/shared/kvs-digests.js'),
    import('../../handlers/shared/kvs-publisher.js'),
  ]);
  return { ...digests, ...publisher };
}

async function listOrExplain(m: Awaited<ReturnType<typeof modules>>, kvs: Clients['kvs'], arn: string) {
  return m
    .listStore(kvs, arn)
    .catch(notFound(`no key value store ${arn}`, 'deploy first (or run `basicauth dev --engine cloudfront-function`)'));
}

export async function readStoreState(clients: Clients, t: StoreTarget, now = Date.now()): Promise<StoreState> {
  const m = await modules();
  const { entries } = await listOrExplain(m, clients.kvs, t.keyValueStoreArn);
  const meta = m.parseMeta(entries.get(m.META_KEY));
  const graceSeconds = t.graceSeconds ?? meta?.g ?? 0;
  const credentials = await m.readCredentials({ secrets: clients.sm, secretId: t.secretId, graceSeconds });
  return {
    arn: t.keyValueStoreArn,
    publishedVersion: meta?.v,
    currentVersion: credentials.current.versionId,
    inStep: m.inStep({ ...credentials, existing: entries, now, graceSeconds }),
    users: [...entries.keys()].filter((k) => k.startsWith(m.USER_KEY_PREFIX)).length,
    publishedAt: meta ? new Date(meta.t).toISOString() : undefined,
    graceSeconds,
  };
}

/** `basicauth sync`: writes what differs, nothing when the store is in step. */
export async function syncStore(
  clients: Clients,
  t: StoreTarget,
): Promise<{ before: StoreState; written: number; deleted: number; versionId: string }> {
  const before = await readStoreState(clients, t);
  if (before.inStep) return { before, written: 0, deleted: 0, versionId: before.currentVersion };
  const m = await modules();
  const result = await m.publishDigests({
    secrets: clients.sm,
    kvs: clients.kvs,
    secretId: t.secretId,
    kvsArn: t.keyValueStoreArn,
    graceSeconds: before.graceSeconds,
  });
  return { before, written: result.written, deleted: result.deleted, versionId: result.versionId };
}

/** After a rotation: until the store's digests are those of `versionId` (the rotation function publishes them). */
/** `everyMs`: each look reads the secret and lists the store, so against AWS not more than once a second. */
export async function waitForStore(
  clients: Clients,
  t: StoreTarget,
  versionId: string,
  emit: Emit,
  { timeoutMs = 30_000, everyMs = 1000 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<{ state: StoreState; waitedMs: number }> {
  const { value, waitedMs } = await pollUntil({
    what: `the key value store to hold the digests of version ${versionId}`,
    check: async () => {
      const state = await readStoreState(clients, t);
      return state.publishedVersion === versionId && state.inStep
        ? { done: true, value: state }
        : {
            done: false,
            state:
              state.publishedVersion === versionId
                ? 'it holds that version, not yet for every user'
                : state.publishedVersion
                  ? `it holds ${state.publishedVersion}`
                  : 'it holds nothing',
          };
    },
    everyMs,
    timeoutMs,
    emit,
    onTimeout: () =>
      new CliError(
        `the key value store does not hold the digests of version ${versionId} yet: the new password does not work at the edge`,
        {
          hint: `${again('sync')} (and read the rotation function log: it publishes after finishSecret)`,
        },
      ),
  });
  return { state: value, waitedMs };
}

export function storeProblems(s: StoreState): Problem[] {
  if (s.publishedVersion === undefined) {
    return [
      {
        severity: 'error',
        message: 'the key value store holds no digests: every request gets 503',
        fix: again('sync'),
      },
    ];
  }
  if (!s.inStep) {
    const which =
      s.publishedVersion === s.currentVersion
        ? 'the current version, but not for every user'
        : `version ${s.publishedVersion}; AWSCURRENT is ${s.currentVersion}`;
    return [
      {
        severity: 'error',
        message: `the key value store holds the digests of ${which}: the edge does not accept the current password`,
        fix: again('sync'),
      },
    ];
  }
  return [];
}

export interface FunctionEdge {
  functionArn: string;
  functionStatus: string | undefined;
  behaviors: Array<{ pathPattern: string; version: string }>;
  unprotected: string[];
  domainName: string | undefined;
  status: string | undefined;
}

/** The behaviors that run the function on viewer-request, and those that do not. */
export function functionBehaviors(
  config: DistributionConfig,
  functionArn: string,
): { protectedBy: string[]; unprotected: string[] } {
  const runs = (
    b: { FunctionAssociations?: { Items?: Array<{ FunctionARN?: string; EventType?: string }> } } | undefined,
  ) =>
    (b?.FunctionAssociations?.Items ?? []).some(
      (a) => a.EventType === 'viewer-request' && a.FunctionARN === functionArn,
    );
  const all: Array<[string, boolean]> = [
    ['*', runs(config.DefaultCacheBehavior)],
    ...(config.CacheBehaviors?.Items ?? []).map((b): [string, boolean] => [b.PathPattern ?? '?', runs(b)]),
  ];
  return {
    protectedBy: all.filter(([, r]) => r).map(([p]) => p),
    unprotected: all.filter(([, r]) => !r).map(([p]) => p),
  };
}

export async function readFunctionEdge(
  cf: CloudFrontClient,
  functionName: string,
  distributionId: string,
): Promise<FunctionEdge> {
  const { DescribeFunctionCommand, GetDistributionCommand } = await import('@aws-sdk/client-cloudfront');
  const fn = await cf
    .send(new DescribeFunctionCommand({ Name: functionName, Stage: 'LIVE' }))
    .catch(notFound(`no published CloudFront function named ${functionName}`, 'check --function, or deploy first'));
  const functionArn = fn.FunctionSummary?.FunctionMetadata?.FunctionARN ?? functionName;
  const d = await cf
    .send(new GetDistributionCommand({ Id: distributionId }))
    .catch(notFound(`no distribution ${distributionId}`, 'check --distribution, or deploy first'));
  const { protectedBy, unprotected } = functionBehaviors(
    d.Distribution?.DistributionConfig ?? ({} as DistributionConfig),
    functionArn,
  );
  return {
    functionArn,
    functionStatus: fn.FunctionSummary?.Status,
    behaviors: protectedBy.map((pathPattern) => ({ pathPattern, version: 'LIVE' })),
    unprotected,
    domainName: d.Distribution?.DomainName,
    status: d.Distribution?.Status,
  };
}

export interface FunctionPublishResult {
  functionArn: string;
  /** whether DEVELOPMENT differed from LIVE (a publish that changed what runs) */
  changed: boolean;
  store: { written: number; deleted: number; versionId: string };
}

/**
 * `publish` for this engine: there is no cold start to force, so publishing
 * means what CloudFront calls it: the DEVELOPMENT stage goes LIVE (every
 * distribution associating the function runs it within seconds), and the
 * store is brought in step with AWSCURRENT.
 */
export async function publishFunction(
  cf: CloudFrontClient,
  clients: Clients,
  input: StoreTarget & { functionName: string },
  emit: Emit,
): Promise<FunctionPublishResult> {
  const { DescribeFunctionCommand, GetFunctionCommand, PublishFunctionCommand } = await import(
    '@aws-sdk/client-cloudfront'
  );
  return step(emit, 'publish', 'publish the CloudFront function and sync its key value store', async () => {
    const dev = await cf
      .send(new DescribeFunctionCommand({ Name: input.functionName, Stage: 'DEVELOPMENT' }))
      .catch(notFound(`no CloudFront function named ${input.functionName}`, 'check --function, or deploy first'));
    const code = async (stage: 'DEVELOPMENT' | 'LIVE') =>
      Buffer.from(
        (await cf.send(new GetFunctionCommand({ Name: input.functionName, Stage: stage }))).FunctionCode ??
          new Uint8Array(),
      ).toString('base64');
    const live = dev.FunctionSummary?.Status === 'UNPUBLISHED' ? undefined : await code('LIVE');
    const changed = live !== (await code('DEVELOPMENT'));
    if (changed) await cf.send(new PublishFunctionCommand({ Name: input.functionName, IfMatch: dev.ETag }));
    const synced = await syncStore(clients, input);
    return {
      functionArn: dev.FunctionSummary?.FunctionMetadata?.FunctionARN ?? input.functionName,
      changed,
      store: { written: synced.written, deleted: synced.deleted, versionId: synced.versionId },
    };
  });
}

const storeOf = (t: EngineTarget): StoreTarget | undefined =>
  t.keyValueStoreArn
    ? { secretId: t.secretId, keyValueStoreArn: t.keyValueStoreArn, graceSeconds: t.graceSeconds }
    : undefined;
const clientsOf = async (t: EngineTarget): Promise<Clients> => ({
  sm: await t.clients.secretsManager(),
  kvs: await t.clients.keyValueStore(),
});

export const cloudFrontFunction: EdgeEngine = {
  async readEdge(target, { functionName, distributionId }, _reads, now) {
    const [e, store] = await Promise.all([
      readFunctionEdge(await target.clients.cloudfront(), functionName, distributionId),
      storeOf(target)
        ? clientsOf(target).then((clients) => readStoreState(clients, storeOf(target) as StoreTarget, now))
        : undefined,
    ]);
    const problems = store ? storeProblems(store) : [];
    for (const p of e.unprotected.filter((x) => !target.leaveUnprotected.includes(x))) {
      problems.push({
        severity: 'error',
        message: `cache behavior ${p} does not run the CloudFront function ${functionName}: its requests skip the password check`,
        fix: 'associate the function with it, or name it in distribution.leaveUnprotected if that is on purpose',
      });
    }
    const { functionStatus: _status, ...edge } = e;
    return {
      edge: {
        ...edge,
        engine: 'cloudfront-function',
        latestVersion: 'LIVE',
        distributionId,
        ...(store ? { store } : {}),
      },
      problems,
    };
  },

  async publish(target, { functionName }, _options, emit) {
    const store = storeOf(target);
    if (!store)
      throw new CliError('this site has no key value store on record', { hint: `deploy first (${again('deploy')})` });
    const r = await publishFunction(
      await target.clients.cloudfront(),
      await clientsOf(target),
      { functionName, ...store },
      emit,
    );
    const synced =
      r.store.written + r.store.deleted
        ? `was brought in step (${r.store.written} written, ${r.store.deleted} removed)`
        : 'was in step';
    return {
      data: r,
      text: `${r.changed ? 'Published' : 'Already LIVE:'} ${r.functionArn}${r.changed ? ' to LIVE' : ''}; CloudFront functions have no cold start to force. The key value store ${synced} with version ${r.store.versionId}.`,
    };
  },

  async afterRotation(target, rotated, { timeoutMs }, emit) {
    const store = storeOf(target);
    if (!store) return { data: {}, text: `Rotated ${rotated.secretId}: version ${rotated.versionId} is current.` };
    const { waitedMs } = await step(
      emit,
      'store',
      'publish the digests to the key value store',
      async () =>
        waitForStore(await clientsOf(target), store, rotated.versionId, emit, {
          timeoutMs,
          everyMs: target.local ? 100 : 1000,
        }),
      (s) => `${s.waitedMs} ms after it became current`,
    );
    return {
      data: { storeWaitedMs: waitedMs },
      text: `Rotated ${rotated.secretId}: version ${rotated.versionId} is current and its digests are in the key value store (${(rotated.durationMs / 1000).toFixed(1)} s). Every edge location reads them within seconds; the old password stops working with them (or when the grace period ends).`,
    };
  },

  async afterUsersChange(target, emit) {
    const store = storeOf(target);
    const revoked =
      'Their digest is gone from the key value store: every edge location refuses them within seconds, grace period or not.';
    if (!store) return { revoked };
    const synced = await step(emit, 'store', 'publish the digests to the key value store', async () =>
      syncStore(await clientsOf(target), store),
    );
    return { store: { versionId: synced.versionId, written: synced.written, deleted: synced.deleted }, revoked };
  },

  tokenRevocation:
    'Its digests are gone from the key value store: every edge location refuses it, and its cookies, within seconds.',

  // CloudFront Functions log in us-east-1 whatever the edge location
  logGroups: (functionName) => ({ name: `/aws/cloudfront/function/${functionName}`, regions: ['us-east-1'] }),

  async checkProtection(target, deployed) {
    // every behavior runs the function, and the store holds the digests of the current password
    const { GetDistributionConfigCommand } = await import('@aws-sdk/client-cloudfront');
    const current = await (await target.clients.cloudfront()).send(
      new GetDistributionConfigCommand({ Id: deployed.distributionId }),
    );
    const { unprotected } = functionBehaviors(
      current.DistributionConfig ?? ({} as DistributionConfig),
      deployed.functionQualifiedArn,
    );
    if (unprotected.length > 0)
      throw new CliError(`deployed, but ${unprotected.join(', ')} does not run the CloudFront function`, {
        hint: `run \`${again('deploy')}\` again, then \`${again('status')}\``,
      });
    const store = storeOf(target);
    if (store) await syncStore(await clientsOf(target), store);
  },
};

// The module-scope cache of the secret that every request of a container shares.
//
// - fresh for `ttl` after a successful load; one load in flight at a time,
//   whoever asks, under one deadline for all of its calls;
// - refresh-on-miss: a credential that fails against the cached version may
//   refetch once, when the last attempt is at least `minRefresh` old; a
//   credential that has already failed against this version (remembered as a
//   keyed digest, a bounded set per version) never refetches again, so a
//   browser repeating a stale password costs nothing while a new password
//   still gets through within `minRefresh`;
// - back-off: while misses keep teaching nothing (a flood of distinct wrong
//   passwords, each refetch finding the same version), the floor for a
//   credential seen for the first time doubles after the third such refetch
//   in a row, up to 8 × `minRefresh`; a new version, a miss that turns out
//   right, or a pause of twice the floor resets it. A credential that comes
//   back (a user retrying a new password; guesses do not repeat) keeps the
//   plain floor: a guessing attack costs one call per 8 s per instance instead
//   of one per second, and a rotation still reaches a user's second try within
//   `minRefresh` (bench/RESULTS.md, sections 3 and 4);
// - stale-if-error: when a refresh fails the old value keeps serving until
//   `ttl + staleIfError` after it was loaded; past that, nothing is known
//   (the caller answers 503) until a load succeeds;
// - grace: a rotation's replaced passwords (AWSPREVIOUS) work until `grace`
//   after the rotation finished, for users that still exist; AWSPREVIOUS is
//   read again on every load, and an unusable one means "no previous"
//   (only an unusable AWSCURRENT fails closed).

import { CredentialMatcher, type CredentialDigest } from './credential-matcher.js';
import { DeadlineTimer, type Deadline } from './deadline.js';
import { graceNames, parseSecretValue } from '../shared/secret-value.js';
import { parseTokens } from '../shared/bypass-tokens.js';
import { TokenTable } from './token-matcher.js';

export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretVersion {
  versionId: string;
  secretString: string;
  /** epoch milliseconds */
  createdDate: number;
}

/** Reads one version by stage within the deadline; resolves `undefined` when that stage does not exist. */
export type FetchSecretVersion = (stage: VersionStage, deadline: Deadline) => Promise<SecretVersion | undefined>;

/** When the last rotation finished (DescribeSecret LastRotatedDate, epoch ms), or undefined when it never did. */
export type FetchLastRotated = (deadline: Deadline) => Promise<number | undefined>;

export interface SecretSource {
  fetchVersion: FetchSecretVersion;
  /** without it, the grace period runs from the current version's creation */
  lastRotated?: FetchLastRotated | undefined;
}

export interface Snapshot {
  versionId: string;
  current: CredentialMatcher;
  previous: CredentialMatcher | undefined;
  /** the bypass tokens of the current version */
  tokens: TokenTable;
  /** epoch ms until which `previous` is accepted */
  previousUntil: number;
  /** the users whose previous password may count (graceNames of the current value) */
  graceNames: ReadonlySet<string>;
  fetchedAt: number;
  /** keyed digests that failed against this version after a refetch confirmed it (bounded) */
  failed: Set<string>;
  /** keyed digests that missed while the floor held a refetch back: their next try keeps the plain floor (bounded) */
  unconfirmed: Set<string>;
}

/** `revalidate`: a token matched a snapshot older than minRefresh, so a revocation is seen within that floor */
export type LoadCause = 'cold' | 'ttl' | 'miss' | 'revalidate';

export type CacheEvent =
  | { event: 'secret.fetch'; versionId: string; ms: number; cause: LoadCause; changed: boolean; previous: boolean }
  | { event: 'secret.fetch-failed'; cause: LoadCause; ms: number; error: string }
  | { event: 'secret.previous-unusable'; stage: 'AWSPREVIOUS'; error: string }
  | { event: 'secret.stale'; ageSeconds: number }
  | { event: 'secret.expired'; ageSeconds: number };

export interface SecretCacheOptions extends SecretSource {
  ttlMs: number;
  minRefreshMs: number;
  staleIfErrorMs: number;
  graceMs: number;
  /** one deadline for every call of a load */
  loadBudgetMs: number;
  now: () => number;
  log: (event: CacheEvent) => void;
}

/** How many failed digests a version remembers before it starts forgetting the oldest. */
export const FAILED_MEMORY = 1024;
/** Refetches that found nothing new, in a row, before the floor starts doubling. */
export const BACKOFF_AFTER = 3;
/** The floor never grows past this multiple of minRefresh. */
export const BACKOFF_MAX_FACTOR = 8;

export class SecretCache {
  private snapshot: Snapshot | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private lastAttemptAt = -Infinity;
  private lastAttemptFailed = false;
  /** consecutive miss refetches that found the same version and still refused */
  private uselessMisses = 0;

  constructor(private readonly o: SecretCacheOptions) {}

  /** The credentials to check against, or undefined when none can be trusted. */
  async get(now = this.o.now()): Promise<Snapshot | undefined> {
    const s = this.snapshot;
    if (s && now - s.fetchedAt < this.o.ttlMs) return s;
    return this.reload(s ? 'ttl' : 'cold', now);
  }

  /** A load, or the stale snapshot while it fails (and, after a failure, for minRefresh before the next try). */
  private async reload(cause: LoadCause, now: number): Promise<Snapshot | undefined> {
    // After a failure, retry no more often than minRefresh: while Secrets
    // Manager is down, each request must not pay for (and cost) a fetch.
    if (!this.inFlight && this.lastAttemptFailed && now - this.lastAttemptAt < this.o.minRefreshMs) {
      return this.usableStale(now);
    }
    try {
      return await this.refresh(cause);
    } catch {
      return this.usableStale(this.o.now());
    }
  }

  /**
   * Starts the first load now (at container init, so that it overlaps the
   * runtime handing over the first event). Its failure does not hold the
   * first request back: that one tries again at once.
   */
  prefetch(): void {
    if (this.snapshot || this.inFlight) return;
    this.refresh('cold').catch(() => {
      this.lastAttemptFailed = false;
      this.lastAttemptAt = -Infinity;
    });
  }

  /**
   * Called after `digest` failed against `seen`: refetches when that can
   * teach something, and returns the snapshot to check again, or undefined
   * when nothing new can be learnt now.
   */
  async refreshAfterMiss(seen: Snapshot, digest: CredentialDigest): Promise<Snapshot | undefined> {
    const key = digest.toString('base64');
    if (this.snapshot && this.snapshot !== seen) return this.snapshot; // someone refreshed meanwhile
    if (seen.failed.has(key)) return undefined; // this credential already failed against this version
    if (this.inFlight) return this.inFlight.catch(() => undefined);
    const sinceLast = this.o.now() - this.lastAttemptAt;
    if (sinceLast >= 2 * this.missFloor()) this.uselessMisses = 0; // no flood: back to the plain floor
    // a credential that comes back is someone retrying, not a guess: it never waits for the back-off
    const floor = seen.unconfirmed.has(key) ? this.o.minRefreshMs : this.missFloor();
    if (sinceLast < floor) {
      remember(seen.unconfirmed, key); // not refused for good: it may refetch on its next try
      return undefined;
    }
    let next: Snapshot;
    try {
      next = await this.refresh('miss');
    } catch {
      return undefined;
    }
    if (next.versionId === seen.versionId && !accepts(next, digest, this.o.now())) {
      // the refetch confirmed the failure: this credential will not cost another one against this version
      remember(next.failed, key);
      this.uselessMisses++;
    } else {
      this.uselessMisses = 0;
    }
    return next;
  }

  /**
   * Called after a token matched `seen`: a token is revoked by a new secret
   * version, and must stop working within minRefresh, not the TTL. A snapshot
   * younger than that is trusted; an older one is refetched first (one load
   * for everyone waiting). When the refetch fails, the snapshot serves on
   * under stale-if-error like any other.
   */
  /** Whether a token match against this snapshot may be trusted as it is (no revalidation due): no await on the hot path. */
  trusts(seen: Snapshot, now = this.o.now()): boolean {
    return this.snapshot === seen && now - seen.fetchedAt < this.o.minRefreshMs;
  }

  async revalidate(seen: Snapshot): Promise<Snapshot | undefined> {
    if (this.snapshot && this.snapshot !== seen) return this.snapshot;
    const now = this.o.now();
    if (now - seen.fetchedAt < this.o.minRefreshMs) return seen;
    return this.reload('revalidate', now);
  }

  /** The least time between two refetches on a miss: minRefresh, doubled while misses learn nothing. */
  missFloor(): number {
    const doublings = Math.max(0, this.uselessMisses - BACKOFF_AFTER + 1);
    return this.o.minRefreshMs * Math.min(BACKOFF_MAX_FACTOR, 2 ** doublings);
  }

  private usableStale(now: number): Snapshot | undefined {
    const s = this.snapshot;
    if (!s) return undefined;
    const age = now - s.fetchedAt;
    if (age < this.o.ttlMs + this.o.staleIfErrorMs) {
      this.o.log({ event: 'secret.stale', ageSeconds: Math.round(age / 1000) });
      return s;
    }
    this.o.log({ event: 'secret.expired', ageSeconds: Math.round(age / 1000) });
    this.snapshot = undefined;
    return undefined;
  }

  private refresh(cause: LoadCause): Promise<Snapshot> {
    if (!this.inFlight) {
      this.inFlight = this.load(cause).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async load(cause: LoadCause): Promise<Snapshot> {
    const started = this.o.now();
    this.lastAttemptAt = started;
    const deadline = new DeadlineTimer(this.o.loadBudgetMs);
    try {
      const current = await this.o.fetchVersion('AWSCURRENT', deadline);
      if (!current) throw new Error('the secret has no AWSCURRENT version yet');
      const old = this.snapshot;
      const changed = old?.versionId !== current.versionId;
      const keeps = !changed && (cause === 'miss' || cause === 'revalidate');
      // an unusable AWSCURRENT fails the load: the caller serves stale, then fails closed
      const currentValue = changed || !old ? parseSecretValue(current.secretString) : undefined;
      const names = currentValue ? graceNames(currentValue) : old!.graceNames;
      let previous: CredentialMatcher | undefined;
      let previousUntil = 0;
      if (this.o.graceMs > 0) {
        const finished = this.o.lastRotated ? await this.o.lastRotated(deadline) : current.createdDate;
        previousUntil = (finished ?? 0) + this.o.graceMs;
        if (this.o.now() < previousUntil) previous = await this.loadPrevious(current, names, deadline);
      }
      const next: Snapshot = {
        versionId: current.versionId,
        current: currentValue ? new CredentialMatcher(currentValue.users) : old!.current,
        tokens: currentValue ? new TokenTable(parseTokens(currentValue.raw)) : old!.tokens,
        previous,
        previousUntil,
        graceNames: names,
        fetchedAt: this.o.now(),
        // a new version, or a TTL refresh, forgets what failed
        failed: keeps && old ? old.failed : new Set(),
        unconfirmed: keeps && old ? old.unconfirmed : new Set(),
      };
      this.snapshot = next;
      this.lastAttemptFailed = false;
      if (changed) this.uselessMisses = 0;
      this.o.log({
        event: 'secret.fetch',
        versionId: next.versionId,
        ms: this.o.now() - started,
        cause,
        changed,
        previous: previous !== undefined,
      });
      return next;
    } catch (error) {
      this.lastAttemptFailed = true;
      this.o.log({ event: 'secret.fetch-failed', cause, ms: this.o.now() - started, error: describeError(error) });
      throw error;
    } finally {
      deadline.clear();
    }
  }

  /** The replaced passwords of `eligible` users (graceNames); nothing when AWSPREVIOUS is missing or unusable. */
  private async loadPrevious(
    current: SecretVersion,
    eligible: ReadonlySet<string>,
    deadline: Deadline,
  ): Promise<CredentialMatcher | undefined> {
    const previous = await this.o.fetchVersion('AWSPREVIOUS', deadline);
    if (!previous || previous.versionId === current.versionId) return undefined;
    try {
      const users = [...parseSecretValue(previous.secretString).users].filter(([name]) => eligible.has(name));
      return users.length ? new CredentialMatcher(new Map(users)) : undefined;
    } catch (error) {
      this.o.log({ event: 'secret.previous-unusable', stage: 'AWSPREVIOUS', error: describeError(error) });
      return undefined;
    }
  }
}

/** Whether a snapshot accepts a credential: the current version, or the previous one inside its grace. */
export function accepts(s: Snapshot, digest: CredentialDigest, now: number): 'current' | 'previous' | undefined {
  if (s.current.matches(digest)) return 'current';
  if (s.previous && now < s.previousUntil && s.previous.matches(digest)) return 'previous';
  return undefined;
}

function remember(failed: Set<string>, key: string): void {
  if (failed.size >= FAILED_MEMORY) failed.delete(failed.values().next().value as string);
  failed.add(key);
}

// Error messages from our own clients and parser carry names and codes, never
// values; still, keep only the first line and bound its length.
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}

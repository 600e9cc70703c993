// The module-scope cache of the secret that every request of a container shares.
//
// - fresh for `ttl` after a successful fetch;
// - one fetch in flight at a time, whoever asks;
// - refresh-on-miss: a failed check may refetch once, at most once per
//   `minRefresh`, so a just-rotated password works at once while a flood of
//   wrong passwords costs at most one fetch per interval;
// - stale-if-error: when a refresh fails the old value keeps serving until
//   `ttl + staleIfError` after it was fetched; past that, nothing is known
//   (the caller answers 503) until a fetch succeeds;
// - the previous password is loaded only while it is inside its grace period.

import { CredentialMatcher } from './credential-matcher.js';
import { parseSecretValue } from '../shared/secret-value.js';

export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretVersion {
  versionId: string;
  secretString: string;
  /** epoch milliseconds */
  createdDate: number;
}

/** Reads one version by stage; resolves `undefined` when that stage does not exist. */
export type FetchSecretVersion = (stage: VersionStage) => Promise<SecretVersion | undefined>;

export interface Snapshot {
  versionId: string;
  current: CredentialMatcher;
  previous: CredentialMatcher | undefined;
  /** epoch ms until which `previous` is accepted */
  previousUntil: number;
  fetchedAt: number;
}

export type CacheEvent =
  | { event: 'secret.fetch'; versionId: string; ms: number; cause: 'cold' | 'ttl' | 'miss'; changed: boolean; previous: boolean }
  | { event: 'secret.fetch-failed'; cause: 'cold' | 'ttl' | 'miss'; ms: number; error: string }
  | { event: 'secret.stale'; ageSeconds: number }
  | { event: 'secret.expired'; ageSeconds: number };

export interface SecretCacheOptions {
  ttlMs: number;
  minRefreshMs: number;
  staleIfErrorMs: number;
  graceMs: number;
  fetchVersion: FetchSecretVersion;
  now: () => number;
  log: (event: CacheEvent) => void;
}

export class SecretCache {
  private snapshot: Snapshot | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private lastAttemptAt = -Infinity;
  private lastAttemptFailed = false;

  constructor(private readonly o: SecretCacheOptions) {}

  /** The credentials to check against, or undefined when none can be trusted. */
  async get(): Promise<Snapshot | undefined> {
    const now = this.o.now();
    const s = this.snapshot;
    if (s && now - s.fetchedAt < this.o.ttlMs) return s;
    // After a failure, retry no more often than minRefresh: while Secrets
    // Manager is down, each request must not pay for (and cost) a fetch.
    if (!this.inFlight && this.lastAttemptFailed && now - this.lastAttemptAt < this.o.minRefreshMs) {
      return this.usableStale(now);
    }
    try {
      return await this.refresh(s ? 'ttl' : 'cold');
    } catch {
      return this.usableStale(this.o.now());
    }
  }

  /**
   * Called after a check failed against `seen`: refetches once if the cache is
   * old enough, and returns the new snapshot, or undefined when nothing new was learnt.
   */
  async refreshAfterMiss(seen: Snapshot): Promise<Snapshot | undefined> {
    const now = this.o.now();
    if (this.snapshot && this.snapshot !== seen) return this.snapshot; // someone refreshed meanwhile
    const age = now - seen.fetchedAt;
    if (age < this.o.minRefreshMs || now - this.lastAttemptAt < this.o.minRefreshMs) {
      return this.inFlight ? this.inFlight.catch(() => undefined) : undefined;
    }
    try {
      const next = await this.refresh('miss');
      return next.versionId === seen.versionId && next.previous === seen.previous ? undefined : next;
    } catch {
      return undefined;
    }
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

  private refresh(cause: 'cold' | 'ttl' | 'miss'): Promise<Snapshot> {
    if (!this.inFlight) {
      this.inFlight = this.load(cause).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async load(cause: 'cold' | 'ttl' | 'miss'): Promise<Snapshot> {
    const started = this.o.now();
    this.lastAttemptAt = started;
    try {
      const current = await this.o.fetchVersion('AWSCURRENT');
      if (!current) throw new Error('the secret has no AWSCURRENT version yet');
      const old = this.snapshot;
      const changed = old?.versionId !== current.versionId;
      const previousUntil = current.createdDate + this.o.graceMs;
      let previous: CredentialMatcher | undefined;
      if (this.o.graceMs > 0 && this.o.now() < previousUntil) {
        previous = !changed && old?.previous ? old.previous : await this.loadPrevious();
      }
      const next: Snapshot = {
        versionId: current.versionId,
        current: changed || !old ? new CredentialMatcher(parseSecretValue(current.secretString).users) : old.current,
        previous,
        previousUntil,
        fetchedAt: this.o.now(),
      };
      this.snapshot = next;
      this.lastAttemptFailed = false;
      const ms = this.o.now() - started;
      this.o.log({ event: 'secret.fetch', versionId: next.versionId, ms, cause, changed, previous: previous !== undefined });
      return next;
    } catch (error) {
      this.lastAttemptFailed = true;
      this.o.log({ event: 'secret.fetch-failed', cause, ms: this.o.now() - started, error: describeError(error) });
      throw error;
    }
  }

  private async loadPrevious(): Promise<CredentialMatcher | undefined> {
    const previous = await this.o.fetchVersion('AWSPREVIOUS');
    return previous ? new CredentialMatcher(parseSecretValue(previous.secretString).users) : undefined;
  }
}

// Error messages from our own clients and parser carry names and codes, never
// values; still, keep only the first line and bound its length.
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}

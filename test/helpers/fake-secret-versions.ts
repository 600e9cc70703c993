import type {
  FetchLastRotated,
  FetchSecretVersion,
  SecretVersion,
  VersionStage,
} from '../../handlers/edge-auth/secret-cache.js';

/**
 * An in-memory stand-in for GetSecretValue by stage and DescribeSecret's
 * LastRotatedDate, with a clock, a call log and a switch to make it fail:
 * enough to drive the edge cache.
 */
export class FakeSecretVersions {
  now = Date.parse('2026-01-01T00:00:00Z');
  calls: Array<VersionStage | 'DescribeSecret'> = [];
  failing = false;
  /** when the last rotation finished (what DescribeSecret says) */
  rotatedAt: number | undefined;
  readonly stages = new Map<VersionStage, SecretVersion>();
  private counter = 0;

  constructor(initial?: Record<string, unknown>) {
    if (initial) this.rotate(initial);
  }

  private version(value: Record<string, unknown> | string): SecretVersion {
    return {
      versionId: `v${++this.counter}`,
      secretString: typeof value === 'string' ? value : JSON.stringify(value),
      createdDate: this.now,
    };
  }

  /** A rotation: `value` becomes AWSCURRENT (created now), the old current AWSPREVIOUS, and the rotation finishes now. */
  rotate(value: Record<string, unknown>, { createdAgoMs = 0 } = {}): void {
    const current = this.stages.get('AWSCURRENT');
    if (current) this.stages.set('AWSPREVIOUS', current);
    this.stages.set('AWSCURRENT', { ...this.version(value), createdDate: this.now - createdAgoMs });
    this.rotatedAt = this.now;
  }

  /** What `users add/remove` does: a new AWSCURRENT, AWSPREVIOUS left to the last rotation's replaced version. */
  changeUsers(value: Record<string, unknown>): void {
    this.stages.set('AWSCURRENT', this.version(value));
  }

  setPrevious(value: Record<string, unknown> | string | undefined): void {
    if (value === undefined) this.stages.delete('AWSPREVIOUS');
    else this.stages.set('AWSPREVIOUS', this.version(value));
  }

  advance(ms: number): void {
    this.now += ms;
  }

  clock = (): number => this.now;

  fetch: FetchSecretVersion = async (stage) => {
    this.calls.push(stage);
    if (this.failing) throw Object.assign(new Error('service unavailable'), { name: 'InternalServiceError' });
    return this.stages.get(stage);
  };

  lastRotated: FetchLastRotated = async () => {
    this.calls.push('DescribeSecret');
    if (this.failing) throw Object.assign(new Error('service unavailable'), { name: 'InternalServiceError' });
    return this.rotatedAt;
  };

  /** The calls that read a secret version (DescribeSecret aside). */
  reads(): VersionStage[] {
    return this.calls.filter((c): c is VersionStage => c !== 'DescribeSecret');
  }
}

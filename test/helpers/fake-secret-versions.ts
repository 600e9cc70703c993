import type { FetchSecretVersion, SecretVersion, VersionStage } from '../../handlers/edge-auth/secret-cache.js';

/**
 * An in-memory stand-in for GetSecretValue by stage, with a clock, a call
 * counter and a switch to make it fail: enough to drive the edge cache.
 */
export class FakeSecretVersions {
  now = Date.parse('2026-01-01T00:00:00Z');
  calls: VersionStage[] = [];
  failing = false;
  private readonly stages = new Map<VersionStage, SecretVersion>();
  private counter = 0;

  constructor(initial?: Record<string, unknown>) {
    if (initial) this.rotate(initial);
  }

  /** Makes `value` AWSCURRENT (created now) and the old current AWSPREVIOUS. */
  rotate(value: Record<string, unknown>): void {
    const current = this.stages.get('AWSCURRENT');
    if (current) this.stages.set('AWSPREVIOUS', current);
    this.stages.set('AWSCURRENT', {
      versionId: `v${++this.counter}`,
      secretString: JSON.stringify(value),
      createdDate: this.now,
    });
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
}

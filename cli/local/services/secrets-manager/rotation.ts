// Running rotations as Secrets Manager does: the four steps through the
// rotation function, AWSPENDING left behind when a step fails, scheduled
// rotations while the cloud runs, and an interrupted rotation resumed at start.

import { randomUUID } from 'node:crypto';
import type { ServiceHost } from '../../host.js';
import { CURRENT, dropUnlabelled, moveStage, PENDING, withStage, type SecretState } from './model.js';
import { nextRotation } from './schedule.js';

export const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** Invokes the rotation function for one step (the cloud applies fault rules here). */
export type InvokeStep = (
  functionArn: string,
  event: { Step: string; SecretId: string; ClientRequestToken: string; RotationToken: string },
) => Promise<unknown>;

export class Rotations {
  /** rotations running in this process, by secret ARN */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly host: ServiceHost,
    private readonly secrets: () => SecretState[],
    private readonly invokeStep: InvokeStep,
  ) {}

  private log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.host.emit({ type: 'log', level, message });
  }

  /** Starts the steps (or resumes them) unless a rotation of this secret already runs here. */
  start(arn: string, token: string, steps: readonly string[], { probe = false } = {}): Promise<void> {
    const already = this.running.get(arn);
    if (already) return already;
    const run = this.rotate(arn, token, steps, probe).finally(() => this.running.delete(arn));
    this.running.set(arn, run);
    return run;
  }

  /** Resolves when no rotation (of `arn`, or at all) is running in this process. */
  async settled(arn?: string): Promise<void> {
    const runs = arn ? [this.running.get(arn)] : [...this.running.values()];
    await Promise.all(runs.map((r) => r?.catch(() => undefined)));
  }

  isRunning(arn: string): boolean {
    return this.running.has(arn);
  }

  /** Resumes a rotation that a killed process left behind (called at start). */
  resumeInterrupted(): void {
    for (const s of this.secrets()) {
      const pending = withStage(s, PENDING);
      if (
        s.rotation &&
        s.rotation.endedAt === undefined &&
        pending &&
        !pending.stages.includes(CURRENT) &&
        pending.versionId === s.rotation.token
      ) {
        this.log(`resuming the rotation of ${s.name} interrupted at ${s.rotation.step ?? 'start'}`);
        void this.start(s.arn, pending.versionId, STEPS);
      }
    }
  }

  /** Starts rotations whose NextRotationDate has passed. */
  runDue(): void {
    const now = this.host.now();
    for (const s of this.secrets()) {
      if (
        !s.rotationEnabled ||
        s.deletedDate !== undefined ||
        s.nextRotationDate === undefined ||
        s.nextRotationDate > now
      )
        continue;
      if (this.running.has(s.arn) || withStage(s, PENDING)) continue;
      this.log(`scheduled rotation of ${s.name}`);
      void this.start(s.arn, randomUUID(), STEPS);
    }
  }

  private event(
    s: SecretState,
    token: string,
    phase: 'started' | 'step' | 'failed' | 'finished',
    extra: { step?: string; error?: string } = {},
  ): void {
    this.host.emit({
      type: 'rotation',
      secretArn: s.arn,
      secretName: s.name,
      token,
      phase,
      ...extra,
      at: this.host.now(),
    });
  }

  private async rotate(arn: string, token: string, steps: readonly string[], probe: boolean): Promise<void> {
    const s = this.secrets().find((x) => x.arn === arn);
    if (!s) return;
    if (!s.versions.some((v) => v.versionId === token)) {
      const pending = { versionId: token, stages: [] as string[], createdDate: this.host.now() };
      s.versions.push(pending);
      moveStage(s, PENDING, pending);
    }
    if (!probe) {
      s.rotation = { token, startedAt: this.host.now() };
      this.event(s, token, 'started');
    }
    this.host.store.save();
    const lambdaArn = s.rotationLambdaArn as string;
    for (const step of steps) {
      if (!probe && s.rotation) {
        s.rotation.step = step;
        this.host.store.save();
        this.event(s, token, 'step', { step });
      }
      try {
        await this.invokeStep(lambdaArn, {
          Step: step,
          SecretId: s.arn,
          ClientRequestToken: token,
          RotationToken: randomUUID(),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.log(`rotation of ${s.name} failed at ${step}: ${message}`, 'warn');
        if (probe) {
          removeProbe(s, token);
        } else if (s.rotation) {
          Object.assign(s.rotation, { failedStep: step, error: message.slice(0, 500), endedAt: this.host.now() });
          this.event(s, token, 'failed', { step, error: message.slice(0, 500) });
        }
        this.host.store.save();
        return;
      }
    }
    if (probe) {
      removeProbe(s, token);
      this.host.store.save();
      return;
    }
    const version = s.versions.find((v) => v.versionId === token);
    if (version?.stages.includes(CURRENT)) {
      version.stages = version.stages.filter((x) => x !== PENDING);
      s.lastRotatedDate = this.host.now();
      s.nextRotationDate = nextRotation(s.rotationRules, s.lastRotatedDate);
      if (s.rotation)
        Object.assign(s.rotation, {
          endedAt: this.host.now(),
          step: undefined,
          failedStep: undefined,
          error: undefined,
        });
      this.log(`rotated ${s.name}: version ${token} is AWSCURRENT`);
      this.event(s, token, 'finished');
    } else if (s.rotation) {
      Object.assign(s.rotation, {
        failedStep: 'finishSecret',
        error: 'finishSecret did not make the pending version AWSCURRENT',
        endedAt: this.host.now(),
      });
      this.event(s, token, 'failed', { step: 'finishSecret', error: s.rotation.error! });
    }
    dropUnlabelled(s);
    this.host.store.save();
  }
}

function removeProbe(s: SecretState, token: string): void {
  s.versions = s.versions.filter((v) => v.versionId !== token || v.stages.some((x) => x !== PENDING));
}

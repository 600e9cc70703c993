// Runs the rotation steps in-process against the local Secrets Manager, with
// a fault switch on the SDK client (a middleware that fails chosen commands),
// so step-level behaviour is tested against the real wire protocol.
import { randomUUID } from 'node:crypto';
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { TestCloud } from './local-cloud.js';

export class RotationHarness {
  readonly client: SecretsManagerClient;
  readonly calls: string[] = [];
  private readonly faults = new Map<string, number>();

  constructor(
    private readonly t: TestCloud,
    readonly name: string,
  ) {
    this.client = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: t.cloud.endpoint,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName?.replace(/Command$/, '') ?? '';
        this.calls.push(command);
        const left = this.faults.get(command) ?? 0;
        if (left > 0) {
          this.faults.set(command, left - 1);
          throw Object.assign(new Error(`injected ${command} failure`), { name: 'InternalServiceError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultInjection' },
    );
  }

  get arn(): string {
    return this.secret().arn;
  }

  private secret() {
    const s = this.t.cloud.secretsManager.state.secrets.find((x) => x.name === this.name);
    if (!s) throw new Error(`no secret ${this.name}`);
    return s;
  }

  async create(value?: unknown): Promise<void> {
    await this.t.sm.send(
      new CreateSecretCommand({
        Name: this.name,
        ...(value === undefined ? {} : { SecretString: JSON.stringify(value) }),
      }),
    );
    this.secret().rotationEnabled = true;
  }

  failNext(command: string, times = 1): void {
    this.faults.set(command, times);
  }

  /** What RotateSecret does before it invokes the function: a new AWSPENDING version without a value. */
  startRotation(token: string = randomUUID()): string {
    const s = this.secret();
    if (s.versions.some((v) => v.stages.includes('AWSPENDING') && !v.stages.includes('AWSCURRENT'))) {
      throw new Error("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    for (const v of s.versions) v.stages = v.stages.filter((x) => x !== 'AWSPENDING');
    s.versions.push({ versionId: token, stages: ['AWSPENDING'], createdDate: Date.now() });
    this.t.cloud.store.save();
    return token;
  }

  /** What Secrets Manager does after a successful finishSecret. */
  endRotation(token: string): void {
    const v = this.secret().versions.find((x) => x.versionId === token);
    if (v?.stages.includes('AWSCURRENT')) v.stages = v.stages.filter((x) => x !== 'AWSPENDING');
    this.t.cloud.store.save();
  }

  /** What `users add/remove` does meanwhile: a new AWSCURRENT value. */
  async putCurrent(value: unknown): Promise<void> {
    await this.t.sm.send(new PutSecretValueCommand({ SecretId: this.name, SecretString: JSON.stringify(value) }));
  }

  /** What `rotate --now --recover` does first: takes AWSPENDING off an unfinished version. */
  clearPending(): void {
    for (const v of this.secret().versions) v.stages = v.stages.filter((x) => x !== 'AWSPENDING');
    this.t.cloud.store.save();
  }

  setPendingValue(token: string, value: unknown): void {
    const v = this.secret().versions.find((x) => x.versionId === token)!;
    v.secretString = JSON.stringify(value);
  }

  set rotationEnabled(on: boolean) {
    this.secret().rotationEnabled = on;
  }

  async versionWith(stage: string): Promise<string | undefined> {
    const stages = (await this.t.sm.send(new DescribeSecretCommand({ SecretId: this.name }))).VersionIdsToStages ?? {};
    return Object.entries(stages).find(([, s]) => s.includes(stage))?.[0];
  }

  async valueOf(stage: string): Promise<Record<string, unknown> | undefined> {
    try {
      return JSON.parse(
        (await this.t.sm.send(new GetSecretValueCommand({ SecretId: this.name, VersionStage: stage }))).SecretString!,
      );
    } catch {
      return undefined;
    }
  }
}

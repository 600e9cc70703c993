// An in-memory Secrets Manager with the staging-label semantics the rotation
// handler relies on, plugged into the SDK client with aws-sdk-client-mock.
// (The local cloud replaces it once it exists.)

import { randomInt, randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

interface Version {
  value: string | undefined;
  stages: Set<string>;
  created: Date;
}

type Op = 'DescribeSecret' | 'GetSecretValue' | 'PutSecretValue' | 'UpdateSecretVersionStage' | 'GetRandomPassword';

const meta = { $metadata: {} };
const notFound = (message: string) => new ResourceNotFoundException({ message, ...meta });

export class FakeSecretsManager {
  readonly name = 'basicauth/test';
  readonly arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:basicauth/test-AbCdEf';
  rotationEnabled = true;
  readonly versions = new Map<string, Version>();
  readonly calls: Op[] = [];
  private readonly faults = new Map<Op, number>();
  readonly client = new SecretsManagerClient({ region: 'eu-west-1' });

  constructor() {
    const mock = mockClient(this.client);
    mock.on(DescribeSecretCommand).callsFake((input) => this.run('DescribeSecret', () => this.describe(input.SecretId)));
    mock.on(GetSecretValueCommand).callsFake((input) => this.run('GetSecretValue', () => this.get(input)));
    mock.on(PutSecretValueCommand).callsFake((input) => this.run('PutSecretValue', () => this.put(input)));
    mock.on(UpdateSecretVersionStageCommand).callsFake((input) => this.run('UpdateSecretVersionStage', () => this.updateStage(input)));
    mock.on(GetRandomPasswordCommand).callsFake((input) => this.run('GetRandomPassword', () => this.randomPassword(input)));
  }

  /** The next `times` calls of `op` fail with a service error. */
  failNext(op: Op, times = 1): void {
    this.faults.set(op, times);
  }

  /** What RotateSecret does before invoking the function: a new AWSPENDING version without a value. */
  startRotation(token = randomUUID()): string {
    if (this.versionWith('AWSPENDING')) {
      throw new InvalidRequestException({ message: "A previous rotation isn't complete. That rotation will be reattempted.", ...meta });
    }
    this.versions.set(token, { value: undefined, stages: new Set(['AWSPENDING']), created: new Date() });
    return token;
  }

  /** What Secrets Manager does after a successful finishSecret. */
  endRotation(token: string): void {
    const v = this.versions.get(token);
    if (v?.stages.has('AWSCURRENT')) v.stages.delete('AWSPENDING');
  }

  versionWith(stage: string): string | undefined {
    return [...this.versions].find(([, v]) => v.stages.has(stage))?.[0];
  }

  valueOf(stage: string): Record<string, unknown> | undefined {
    const id = this.versionWith(stage);
    const value = id ? this.versions.get(id)?.value : undefined;
    return value === undefined ? undefined : JSON.parse(value);
  }

  setValue(stage: string, value: unknown, id: string = randomUUID()): string {
    this.moveStage(stage, id, { value: JSON.stringify(value), stages: new Set(), created: new Date() });
    return id;
  }

  private run<T>(op: Op, fn: () => T): T {
    this.calls.push(op);
    const left = this.faults.get(op) ?? 0;
    if (left > 0) {
      this.faults.set(op, left - 1);
      throw Object.assign(new Error(`injected ${op} failure`), { name: 'InternalServiceError' });
    }
    return fn();
  }

  private checkId(id: string | undefined): void {
    if (id !== this.arn && id !== this.name) throw notFound("Secrets Manager can't find the specified secret.");
  }

  private describe(id: string | undefined) {
    this.checkId(id);
    return {
      ARN: this.arn,
      Name: this.name,
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries([...this.versions].filter(([, v]) => v.stages.size > 0).map(([k, v]) => [k, [...v.stages]])),
    };
  }

  private get(input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
    this.checkId(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
    const id = input.VersionId ?? (stage ? this.versionWith(stage) : undefined);
    const v = id ? this.versions.get(id) : undefined;
    if (!v || (stage && !v.stages.has(stage)) || v.value === undefined) {
      throw notFound("Secrets Manager can't find the specified secret value for the specified version.");
    }
    return { ARN: this.arn, Name: this.name, VersionId: id, SecretString: v.value, VersionStages: [...v.stages], CreatedDate: v.created };
  }

  private put(input: { SecretId?: string; ClientRequestToken?: string; SecretString?: string; VersionStages?: string[] }) {
    this.checkId(input.SecretId);
    const id = input.ClientRequestToken ?? randomUUID();
    const existing = this.versions.get(id);
    if (existing?.value !== undefined) {
      if (existing.value !== input.SecretString) {
        throw new ResourceExistsException({ message: `You can't use ClientRequestToken ${id} because that value is already in use for a version of secret ${this.arn}.`, ...meta });
      }
      return { ARN: this.arn, VersionId: id, VersionStages: [...existing.stages] };
    }
    const version = existing ?? { value: undefined, stages: new Set<string>(), created: new Date() };
    version.value = input.SecretString;
    this.versions.set(id, version);
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.moveStage(stage, id, version);
    return { ARN: this.arn, VersionId: id, VersionStages: [...version.stages] };
  }

  private updateStage(input: { SecretId?: string; VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    this.checkId(input.SecretId);
    const stage = input.VersionStage as string;
    const holder = this.versionWith(stage);
    if (holder && input.MoveToVersionId && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
      throw new InvalidParameterException({ message: `The staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`, ...meta });
    }
    if (input.MoveToVersionId) {
      const target = this.versions.get(input.MoveToVersionId);
      if (!target) throw notFound(`version ${input.MoveToVersionId} not found`);
      this.moveStage(stage, input.MoveToVersionId, target);
    } else if (input.RemoveFromVersionId) {
      this.versions.get(input.RemoveFromVersionId)?.stages.delete(stage);
    }
    return { ARN: this.arn, Name: this.name };
  }

  private moveStage(stage: string, id: string, version: Version): void {
    this.versions.set(id, version);
    const holder = this.versionWith(stage);
    if (holder === id) return;
    if (holder) this.versions.get(holder)!.stages.delete(stage);
    version.stages.add(stage);
    if (stage === 'AWSCURRENT' && holder) {
      for (const v of this.versions.values()) v.stages.delete('AWSPREVIOUS');
      this.versions.get(holder)!.stages.add('AWSPREVIOUS');
    }
  }

  private randomPassword(input: { PasswordLength?: number; ExcludeCharacters?: string }) {
    const excluded = new Set(input.ExcludeCharacters ?? '');
    const alphabet = [...Array(94)].map((_, i) => String.fromCharCode(33 + i)).filter((c) => !excluded.has(c));
    const length = input.PasswordLength ?? 32;
    return { RandomPassword: Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('') };
  }
}

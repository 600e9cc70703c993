// Secrets Manager over JSON 1.1 (`X-Amz-Target: secretsmanager.<Operation>`),
// with AWS's staging-label and rotation semantics.

import { randomInt, randomUUID } from 'node:crypto';
import { epochSeconds, invalidParameter, invalidRequest, notFound, ServiceError } from './protocol.js';
import { nextRotation, validateRules, type RotationRulesInput } from './schedule.js';
import type { SecretState, SecretVersionState, StateStore } from './state.js';

type Input = Record<string, unknown>;
export type Invoke = (functionArn: string, event: unknown) => Promise<void>;

const PENDING = 'AWSPENDING';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const str = (input: Input, key: string): string | undefined => {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidParameter(`${key} must be a string.`);
  return v;
};

const required = (input: Input, key: string): string => {
  const v = str(input, key);
  if (!v) throw invalidParameter(`${key} is required.`);
  return v;
};

export interface SecretsManagerOptions {
  store: StateStore;
  invoke: Invoke;
  now?: () => number;
  log?: (message: string) => void;
}

export class SecretsManager {
  private readonly store: StateStore;
  private readonly invoke: Invoke;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  /** rotations running in this process, by secret ARN */
  private readonly running = new Map<string, Promise<void>>();

  constructor(o: SecretsManagerOptions) {
    this.store = o.store;
    this.invoke = o.invoke;
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => {});
  }

  readonly operations: Record<string, (input: Input, region: string) => unknown> = {
    CreateSecret: (i, region) => this.createSecret(i, region),
    DescribeSecret: (i) => this.describeSecret(i),
    GetSecretValue: (i) => this.getSecretValue(i),
    PutSecretValue: (i) => this.putSecretValue(i),
    UpdateSecretVersionStage: (i) => this.updateSecretVersionStage(i),
    ListSecretVersionIds: (i) => this.listSecretVersionIds(i),
    GetRandomPassword: (i) => ({ RandomPassword: randomPassword(i) }),
    RotateSecret: (i) => this.rotateSecret(i),
    CancelRotateSecret: (i) => this.cancelRotateSecret(i),
    DeleteSecret: (i) => this.deleteSecret(i),
    RestoreSecret: (i) => this.restoreSecret(i),
  };

  // ---- lookup ------------------------------------------------------------

  private find(id: string, { allowDeleted = false } = {}): SecretState {
    this.purgeExpired();
    const secret = this.store.state.secrets.find((s) => s.arn === id || s.name === id || (id.startsWith('arn:') && s.arn.startsWith(`${id}-`)));
    if (!secret) throw notFound("Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined && !allowDeleted) {
      throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
    }
    return secret;
  }

  private purgeExpired(): void {
    const now = this.now();
    const before = this.store.state.secrets.length;
    this.store.state.secrets = this.store.state.secrets.filter((s) => s.deletedDate === undefined || s.deletedDate > now);
    if (this.store.state.secrets.length !== before) this.store.save();
  }

  private withStage(secret: SecretState, stage: string): SecretVersionState | undefined {
    return secret.versions.find((v) => v.stages.includes(stage));
  }

  /** Attaches `stage` to `version`, taking it from whoever had it (AWSCURRENT leaves AWSPREVIOUS behind). */
  private moveStage(secret: SecretState, stage: string, version: SecretVersionState): void {
    const holder = this.withStage(secret, stage);
    if (holder === version) return;
    if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
    version.stages.push(stage);
    if (stage === CURRENT && holder) {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
      holder.stages.push(PREVIOUS);
    }
  }

  private dropUnlabelled(secret: SecretState): void {
    // AWS keeps up to 100 versions; unlabelled ones are deprecated and removed.
    const labelled = secret.versions.filter((v) => v.stages.length > 0);
    const unlabelled = secret.versions.filter((v) => v.stages.length === 0).slice(-(100 - labelled.length));
    secret.versions = secret.versions.filter((v) => labelled.includes(v) || unlabelled.includes(v));
  }

  // ---- operations --------------------------------------------------------

  private createSecret(i: Input, region: string) {
    const name = required(i, 'Name');
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    const existing = this.store.state.secrets.find((s) => s.name === name);
    if (existing?.deletedDate !== undefined) throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
    if (existing) throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const now = this.now();
    const suffix = Array.from({ length: 6 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[randomInt(62)]).join('');
    const secret: SecretState = {
      arn: `arn:aws:secretsmanager:${region || this.store.state.region}:${this.store.state.accountId}:secret:${name}-${suffix}`,
      name,
      ...(str(i, 'Description') ? { description: str(i, 'Description') } : {}),
      ...(str(i, 'KmsKeyId') ? { kmsKeyId: str(i, 'KmsKeyId') } : {}),
      tags: Array.isArray(i.Tags) ? (i.Tags as Array<{ Key: string; Value: string }>) : [],
      createdDate: now,
      lastChangedDate: now,
      rotationEnabled: false,
      versions: [],
    };
    let versionId: string | undefined;
    if (i.SecretString !== undefined || i.SecretBinary !== undefined) {
      versionId = str(i, 'ClientRequestToken') ?? randomUUID();
      secret.versions.push({ versionId, ...valueOf(i), stages: [CURRENT], createdDate: now });
    }
    this.store.state.secrets.push(secret);
    this.store.save();
    return { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  private describeSecret(i: Input) {
    const s = this.find(required(i, 'SecretId'), { allowDeleted: true });
    return {
      ARN: s.arn,
      Name: s.name,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
      RotationEnabled: s.rotationEnabled,
      ...(s.rotationLambdaArn ? { RotationLambdaARN: s.rotationLambdaArn } : {}),
      ...(s.rotationRules ? { RotationRules: s.rotationRules } : {}),
      LastRotatedDate: epochSeconds(s.lastRotatedDate),
      LastChangedDate: epochSeconds(s.lastChangedDate),
      LastAccessedDate: epochSeconds(s.lastAccessedDate),
      DeletedDate: epochSeconds(s.deletedDate),
      NextRotationDate: s.rotationEnabled ? epochSeconds(s.nextRotationDate) : undefined,
      Tags: s.tags,
      VersionIdsToStages: Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages])),
      CreatedDate: epochSeconds(s.createdDate),
      PrimaryRegion: this.store.state.region,
    };
  }

  private resolveVersion(s: SecretState, versionId: string | undefined, stage: string | undefined): SecretVersionState {
    const byId = versionId ? s.versions.find((v) => v.versionId === versionId) : undefined;
    if (versionId && !byId) throw notFound("Secrets Manager can't find the specified secret value for VersionId: " + versionId);
    const byStage = stage ? this.withStage(s, stage) : undefined;
    if (stage && !byStage) throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    if (byId && byStage && byId !== byStage) throw invalidParameter(`You provided a VersionStage that is not associated to the provided VersionId.`);
    const version = byId ?? byStage ?? this.withStage(s, CURRENT);
    if (!version) throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${CURRENT}`);
    return version;
  }

  private getSecretValue(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    const v = this.resolveVersion(s, str(i, 'VersionId'), str(i, 'VersionStage'));
    if (v.secretString === undefined && v.secretBinary === undefined) {
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${v.versionId}`);
    }
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: v.versionId,
      ...(v.secretString !== undefined ? { SecretString: v.secretString } : { SecretBinary: v.secretBinary }),
      VersionStages: v.stages,
      CreatedDate: epochSeconds(v.createdDate),
    };
  }

  private putSecretValue(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    const value = valueOf(i);
    if (value.secretString === undefined && value.secretBinary === undefined) throw invalidParameter('You must provide either SecretString or SecretBinary.');
    const versionId = str(i, 'ClientRequestToken') ?? randomUUID();
    const stages = Array.isArray(i.VersionStages) ? (i.VersionStages as string[]) : [CURRENT];
    let version = s.versions.find((v) => v.versionId === versionId);
    if (version && (version.secretString !== undefined || version.secretBinary !== undefined)) {
      if (version.secretString !== value.secretString || version.secretBinary !== value.secretBinary) {
        throw new ServiceError('ResourceExistsException', `You can't use ClientRequestToken ${versionId} because that value is already in use for a version of secret ${s.arn}.`);
      }
      return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: version.stages };
    }
    const created = !version;
    if (!version) {
      version = { versionId, stages: [], createdDate: this.now() };
      s.versions.push(version);
    }
    Object.assign(version, value);
    // A version that creates the secret's first value is AWSCURRENT whatever
    // was asked. Filling the value-less AWSPENDING version a rotation made is
    // not creating one: the rotation's finishSecret makes it current.
    const first = created && !this.withStage(s, CURRENT);
    for (const stage of first && !stages.includes(CURRENT) ? [...stages, CURRENT] : stages) this.moveStage(s, stage, version);
    s.lastChangedDate = this.now();
    this.dropUnlabelled(s);
    this.store.save();
    return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: version.stages };
  }

  private updateSecretVersionStage(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    const stage = required(i, 'VersionStage');
    const moveTo = str(i, 'MoveToVersionId');
    const removeFrom = str(i, 'RemoveFromVersionId');
    const holder = this.withStage(s, stage);
    if (removeFrom && holder?.versionId !== removeFrom) {
      throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
    }
    if (moveTo) {
      const target = s.versions.find((v) => v.versionId === moveTo);
      if (!target) throw notFound(`Secrets Manager can't find the specified secret version: ${moveTo}`);
      if (holder && holder !== target && holder.versionId !== removeFrom) {
        throw invalidParameter(`The staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`);
      }
      this.moveStage(s, stage, target);
    } else if (holder && removeFrom) {
      if (stage === CURRENT) throw invalidParameter('You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.');
      holder.stages = holder.stages.filter((x) => x !== stage);
    }
    s.lastChangedDate = this.now();
    this.dropUnlabelled(s);
    this.store.save();
    return { ARN: s.arn, Name: s.name };
  }

  private listSecretVersionIds(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    const includeDeprecated = i.IncludeDeprecated === true;
    const all = s.versions.filter((v) => includeDeprecated || v.stages.length > 0);
    const max = typeof i.MaxResults === 'number' ? i.MaxResults : 100;
    const start = typeof i.NextToken === 'string' ? Number(Buffer.from(i.NextToken, 'base64').toString()) : 0;
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
    return {
      ARN: s.arn,
      Name: s.name,
      Versions: page.map((v) => ({ VersionId: v.versionId, VersionStages: v.stages, CreatedDate: epochSeconds(v.createdDate), LastAccessedDate: epochSeconds(v.lastAccessedDate) })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private rotateSecret(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    const lambdaArn = str(i, 'RotationLambdaARN') ?? s.rotationLambdaArn;
    if (!lambdaArn) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
    const rules = i.RotationRules as RotationRulesInput | undefined;
    if (rules) validateRules(rules);
    const pending = this.withStage(s, PENDING);
    if (pending && !pending.stages.includes(CURRENT)) {
      // As AWS says, the stuck rotation is reattempted, and this call fails.
      void this.runRotation(s.arn, pending.versionId, STEPS);
      throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    s.rotationLambdaArn = lambdaArn;
    if (rules) s.rotationRules = rules;
    s.rotationEnabled = true;
    const token = str(i, 'ClientRequestToken') ?? randomUUID();
    const immediately = i.RotateImmediately !== false;
    if (!immediately) {
      // Probe: a pending version without value, testSecret alone, then removed.
      s.nextRotationDate = nextRotation(s.rotationRules, s.lastRotatedDate ?? this.now());
      this.store.save();
      void this.runRotation(s.arn, token, ['testSecret'], { probe: true });
      return { ARN: s.arn, Name: s.name };
    }
    this.store.save();
    void this.runRotation(s.arn, token, STEPS);
    return { ARN: s.arn, Name: s.name, VersionId: token };
  }

  /** Resumes a rotation that a killed process left behind (called at start). */
  resumeInterruptedRotations(): void {
    for (const s of this.store.state.secrets) {
      const pending = this.withStage(s, PENDING);
      if (s.rotation && s.rotation.endedAt === undefined && pending && !pending.stages.includes(CURRENT) && pending.versionId === s.rotation.token) {
        this.log(`resuming the rotation of ${s.name} interrupted at ${s.rotation.step ?? 'start'}`);
        void this.runRotation(s.arn, pending.versionId, STEPS);
      }
    }
  }

  /** Starts rotations whose NextRotationDate has passed. */
  runDueRotations(): void {
    const now = this.now();
    for (const s of this.store.state.secrets) {
      if (!s.rotationEnabled || s.deletedDate !== undefined || s.nextRotationDate === undefined || s.nextRotationDate > now) continue;
      if (this.running.has(s.arn) || this.withStage(s, PENDING)) continue;
      this.log(`scheduled rotation of ${s.name}`);
      void this.runRotation(s.arn, randomUUID(), STEPS);
    }
  }

  /** Resolves when no rotation of `arn` is running in this process. */
  async settled(arn?: string): Promise<void> {
    const runs = arn ? [this.running.get(arn)] : [...this.running.values()];
    await Promise.all(runs.map((r) => r?.catch(() => undefined)));
  }

  private runRotation(arn: string, token: string, steps: readonly string[], { probe = false } = {}): Promise<void> {
    const already = this.running.get(arn);
    if (already) return already;
    const run = this.rotate(arn, token, steps, probe).finally(() => this.running.delete(arn));
    this.running.set(arn, run);
    return run;
  }

  private async rotate(arn: string, token: string, steps: readonly string[], probe: boolean): Promise<void> {
    const s = this.find(arn);
    if (!s.versions.some((v) => v.versionId === token)) {
      const pending = { versionId: token, stages: [] as string[], createdDate: this.now() };
      s.versions.push(pending);
      this.moveStage(s, PENDING, pending);
    }
    if (!probe) s.rotation = { token, startedAt: this.now() };
    this.store.save();
    const lambdaArn = s.rotationLambdaArn as string;
    for (const step of steps) {
      if (!probe && s.rotation) {
        s.rotation.step = step;
        this.store.save();
      }
      try {
        await this.invoke(lambdaArn, { Step: step, SecretId: s.arn, ClientRequestToken: token, RotationToken: randomUUID() });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.log(`rotation of ${s.name} failed at ${step}: ${message}`);
        if (probe) {
          this.removeProbe(s, token);
        } else if (s.rotation) {
          Object.assign(s.rotation, { failedStep: step, error: message.slice(0, 500), endedAt: this.now() });
        }
        this.store.save();
        return;
      }
    }
    if (probe) {
      this.removeProbe(s, token);
      this.store.save();
      return;
    }
    const version = s.versions.find((v) => v.versionId === token);
    if (version?.stages.includes(CURRENT)) {
      version.stages = version.stages.filter((x) => x !== PENDING);
      s.lastRotatedDate = this.now();
      s.nextRotationDate = nextRotation(s.rotationRules, s.lastRotatedDate);
      if (s.rotation) Object.assign(s.rotation, { endedAt: this.now(), step: undefined, failedStep: undefined, error: undefined });
      this.log(`rotated ${s.name}: version ${token} is AWSCURRENT`);
    } else if (s.rotation) {
      Object.assign(s.rotation, { failedStep: 'finishSecret', error: 'finishSecret did not make the pending version AWSCURRENT', endedAt: this.now() });
    }
    this.dropUnlabelled(s);
    this.store.save();
  }

  private removeProbe(s: SecretState, token: string): void {
    s.versions = s.versions.filter((v) => v.versionId !== token || v.stages.some((x) => x !== PENDING));
  }

  private cancelRotateSecret(i: Input) {
    const s = this.find(required(i, 'SecretId'));
    s.rotationEnabled = false;
    s.nextRotationDate = undefined;
    const pending = this.withStage(s, PENDING);
    this.store.save();
    return { ARN: s.arn, Name: s.name, ...(pending && !pending.stages.includes(CURRENT) ? { VersionId: pending.versionId } : {}) };
  }

  private deleteSecret(i: Input) {
    const s = this.find(required(i, 'SecretId'), { allowDeleted: true });
    const force = i.ForceDeleteWithoutRecovery === true;
    if (force && i.RecoveryWindowInDays !== undefined) throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    const days = i.RecoveryWindowInDays === undefined ? 30 : Number(i.RecoveryWindowInDays);
    if (!force && (!Number.isInteger(days) || days < 7 || days > 30)) throw invalidParameter('RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    const deletionDate = force ? this.now() : this.now() + days * 86_400_000;
    if (force) this.store.state.secrets = this.store.state.secrets.filter((x) => x !== s);
    else s.deletedDate = deletionDate;
    this.store.save();
    return { ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(deletionDate) };
  }

  private restoreSecret(i: Input) {
    const s = this.find(required(i, 'SecretId'), { allowDeleted: true });
    delete s.deletedDate;
    this.store.save();
    return { ARN: s.arn, Name: s.name };
  }
}

function valueOf(i: Input): { secretString?: string; secretBinary?: string } {
  if (i.SecretString !== undefined && i.SecretBinary !== undefined) throw invalidParameter('You can\'t specify both a binary secret value and a string secret value in the same secret.');
  if (i.SecretString !== undefined) return { secretString: str(i, 'SecretString') as string };
  if (i.SecretBinary !== undefined) return { secretBinary: str(i, 'SecretBinary') as string };
  return {};
}

export function randomPassword(i: Input): string {
  const length = i.PasswordLength === undefined ? 32 : Number(i.PasswordLength);
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw invalidParameter('PasswordLength must be between 1 and 4096.');
  const exclude = new Set(typeof i.ExcludeCharacters === 'string' ? i.ExcludeCharacters : '');
  const classes = [
    i.ExcludeLowercase === true ? '' : 'abcdefghijklmnopqrstuvwxyz',
    i.ExcludeUppercase === true ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    i.ExcludeNumbers === true ? '' : '0123456789',
    i.ExcludePunctuation === true ? '' : PUNCTUATION,
    i.IncludeSpace === true ? ' ' : '',
  ]
    .map((chars) => [...chars].filter((c) => !exclude.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  if (classes.length === 0) throw invalidParameter('The password cannot be generated: every character type is excluded.');
  const requireEach = i.RequireEachIncludedType !== false;
  if (requireEach && length < classes.length) throw invalidParameter(`PasswordLength must be at least ${classes.length} to include each character type.`);
  const alphabet = classes.join('');
  for (;;) {
    const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (!requireEach || classes.every((chars) => [...password].some((c) => chars.includes(c)))) return password;
  }
}

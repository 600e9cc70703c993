// Secrets Manager over AWS JSON 1.1 (`X-Amz-Target: secretsmanager.<Operation>`),
// with AWS's staging-label, rotation, replica, deletion and resource-policy semantics.

import { randomInt, randomUUID } from 'node:crypto';
import { accountOf, type ServiceHost } from '../../host.js';
import {
  definePlugin,
  invalidParameter,
  invalidRequest,
  notFound,
  ServiceError,
  type OperationInput,
  type ServicePlugin,
} from '../../plugin.js';
import {
  arnIn,
  CURRENT,
  dropUnlabelled,
  isReplicaIn,
  moveStage,
  PENDING,
  withStage,
  type SecretState,
  type SecretsManagerState,
  type SecretVersionState,
} from './model.js';
import { randomPassword } from './password.js';
import { Rotations, STEPS, type InvokeStep } from './rotation.js';
import { nextRotation, validateRules, type RotationRulesInput } from './schedule.js';

const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

const str = (input: OperationInput, key: string): string | undefined => {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidParameter(`${key} must be a string.`);
  return v;
};

const required = (input: OperationInput, key: string): string => {
  const v = str(input, key);
  if (!v) throw invalidParameter(`${key} is required.`);
  return v;
};

export class SecretsManagerService {
  readonly state: SecretsManagerState;
  readonly rotations: Rotations;
  readonly plugin: ServicePlugin;

  constructor(
    private readonly host: ServiceHost,
    invokeStep: InvokeStep,
  ) {
    this.state = host.store.slice<SecretsManagerState>('secretsmanager', () => ({ secrets: [] }));
    this.rotations = new Rotations(host, () => this.state.secrets, invokeStep);
    this.plugin = this.definePlugin();
  }

  /** Resolves when no rotation (of `arn`, or at all) runs in this process. */
  settled(arn?: string): Promise<void> {
    return this.rotations.settled(arn);
  }

  private save(): void {
    this.host.store.save();
  }

  /** The secret `id` (name, ARN or partial ARN) names in `region`; a replica answers reads in its region. */
  find(id: string, region: string, { allowDeleted = false, write = false } = {}): SecretState {
    this.purgeExpired();
    const secret = this.state.secrets.find((s) => {
      if (s.region !== region && !isReplicaIn(s, region)) return false;
      const arn = arnIn(s, region);
      return arn === id || s.name === id || (id.startsWith('arn:') && arn.startsWith(`${id}-`));
    });
    if (!secret) throw notFound("Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined && !allowDeleted) {
      throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
    }
    if (write && secret.region !== region) {
      throw invalidRequest(
        `Operation is not permitted on a replica secret. Perform this operation on the primary secret in ${secret.region}.`,
      );
    }
    return secret;
  }

  private purgeExpired(): void {
    const now = this.host.now();
    const before = this.state.secrets.length;
    this.state.secrets = this.state.secrets.filter((s) => s.deletedDate === undefined || s.deletedDate > now);
    if (this.state.secrets.length !== before) this.save();
  }

  private move(s: SecretState, stage: string, version: SecretVersionState): void {
    const before = withStage(s, stage);
    moveStage(s, stage, version);
    if (before !== version)
      this.host.emit({
        type: 'secret.stage',
        secretArn: s.arn,
        secretName: s.name,
        stage,
        versionId: version.versionId,
        at: this.host.now(),
      });
  }

  // ---- operations ------------------------------------------------------------

  private createSecret(i: OperationInput) {
    const region = i.$request.region;
    const name = required(i, 'Name');
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name))
      throw invalidParameter(
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    const existing = this.state.secrets.find((s) => s.name === name && (s.region === region || isReplicaIn(s, region)));
    if (existing?.deletedDate !== undefined)
      throw invalidRequest(
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    if (existing)
      throw new ServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    const replicas = ((i.AddReplicaRegions as Array<{ Region?: string; KmsKeyId?: string }> | undefined) ?? []).map(
      (r) => {
        if (!r.Region || r.Region === region)
          throw invalidParameter('Invalid replica region: a replica must be in another region than the primary.');
        return { region: r.Region, ...(r.KmsKeyId ? { kmsKeyId: r.KmsKeyId } : {}) };
      },
    );
    const now = this.host.now();
    const suffix = Array.from(
      { length: 6 },
      () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[randomInt(62)],
    ).join('');
    const secret: SecretState = {
      arn: `arn:aws:secretsmanager:${region}:${accountOf(this.host)}:secret:${name}-${suffix}`,
      region,
      name,
      ...(str(i, 'Description') !== undefined ? { description: str(i, 'Description') } : {}),
      ...(str(i, 'KmsKeyId') ? { kmsKeyId: str(i, 'KmsKeyId') } : {}),
      tags: Array.isArray(i.Tags) ? (i.Tags as Array<{ Key: string; Value: string }>) : [],
      ...(replicas.length ? { replicas } : {}),
      createdDate: now,
      lastChangedDate: now,
      rotationEnabled: false,
      versions: [],
    };
    let versionId: string | undefined;
    if (i.SecretString !== undefined || i.SecretBinary !== undefined) {
      versionId = str(i, 'ClientRequestToken') ?? randomUUID();
      secret.versions.push({ versionId, ...secretValueOf(i), stages: [CURRENT], createdDate: now });
    }
    this.state.secrets.push(secret);
    this.save();
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(versionId ? { VersionId: versionId } : {}),
      ...(replicas.length ? { ReplicationStatus: this.replicationStatus(secret) } : {}),
    };
  }

  private replicationStatus(s: SecretState) {
    return (s.replicas ?? []).map((r) => ({
      Region: r.region,
      KmsKeyId: r.kmsKeyId ?? 'alias/aws/secretsmanager',
      Status: 'InSync',
      StatusMessage: 'Replication succeeded',
    }));
  }

  private describeSecret(i: OperationInput) {
    const region = i.$request.region;
    const s = this.find(required(i, 'SecretId'), region, { allowDeleted: true });
    return {
      ARN: arnIn(s, region),
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
      ...(s.tags.length ? { Tags: s.tags } : {}),
      VersionIdsToStages: Object.fromEntries(
        s.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages]),
      ),
      CreatedDate: epochSeconds(s.createdDate),
      PrimaryRegion: s.region,
      ...(s.replicas?.length ? { ReplicationStatus: this.replicationStatus(s) } : {}),
    };
  }

  private resolveVersion(s: SecretState, versionId: string | undefined, stage: string | undefined): SecretVersionState {
    const byId = versionId ? s.versions.find((v) => v.versionId === versionId) : undefined;
    if (versionId && !byId)
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    const byStage = stage ? withStage(s, stage) : undefined;
    if (stage && !byStage)
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    if (byId && byStage && byId !== byStage)
      throw invalidParameter(`You provided a VersionStage that is not associated to the provided VersionId.`);
    const version = byId ?? byStage ?? withStage(s, CURRENT);
    if (!version) throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${CURRENT}`);
    return version;
  }

  private getSecretValue(i: OperationInput) {
    const region = i.$request.region;
    const s = this.find(required(i, 'SecretId'), region);
    const v = this.resolveVersion(s, str(i, 'VersionId'), str(i, 'VersionStage'));
    if (v.secretString === undefined && v.secretBinary === undefined) {
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${v.versionId}`);
    }
    return {
      ARN: arnIn(s, region),
      Name: s.name,
      VersionId: v.versionId,
      ...(v.secretString !== undefined ? { SecretString: v.secretString } : { SecretBinary: v.secretBinary }),
      VersionStages: v.stages,
      CreatedDate: epochSeconds(v.createdDate),
    };
  }

  private putSecretValue(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
    const value = secretValueOf(i);
    if (value.secretString === undefined && value.secretBinary === undefined)
      throw invalidParameter('You must provide either SecretString or SecretBinary.');
    const versionId = str(i, 'ClientRequestToken') ?? randomUUID();
    const stages = Array.isArray(i.VersionStages) ? (i.VersionStages as string[]) : [CURRENT];
    let version = s.versions.find((v) => v.versionId === versionId);
    if (version && (version.secretString !== undefined || version.secretBinary !== undefined)) {
      if (version.secretString !== value.secretString || version.secretBinary !== value.secretBinary) {
        throw new ServiceError(
          'ResourceExistsException',
          `You can't use ClientRequestToken ${versionId} because that value is already in use for a version of secret ${s.arn}.`,
        );
      }
      return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: version.stages };
    }
    const created = !version;
    if (!version) {
      version = { versionId, stages: [], createdDate: this.host.now() };
      s.versions.push(version);
    }
    Object.assign(version, value);
    // A version that creates the secret's first value is AWSCURRENT whatever
    // was asked. Filling the value-less AWSPENDING version a rotation made is
    // not creating one: the rotation's finishSecret makes it current.
    const first = created && !withStage(s, CURRENT);
    for (const stage of first && !stages.includes(CURRENT) ? [...stages, CURRENT] : stages)
      this.move(s, stage, version);
    s.lastChangedDate = this.host.now();
    dropUnlabelled(s);
    this.save();
    return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: version.stages };
  }

  private updateSecret(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
    if (i.Description !== undefined) s.description = str(i, 'Description');
    if (i.KmsKeyId !== undefined) s.kmsKeyId = str(i, 'KmsKeyId');
    let versionId: string | undefined;
    if (i.SecretString !== undefined || i.SecretBinary !== undefined) {
      versionId = str(i, 'ClientRequestToken') ?? randomUUID();
      const version: SecretVersionState = { versionId, ...secretValueOf(i), stages: [], createdDate: this.host.now() };
      s.versions.push(version);
      this.move(s, CURRENT, version);
      dropUnlabelled(s);
    }
    s.lastChangedDate = this.host.now();
    this.save();
    return { ARN: s.arn, Name: s.name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  private updateSecretVersionStage(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
    const stage = required(i, 'VersionStage');
    const moveTo = str(i, 'MoveToVersionId');
    const removeFrom = str(i, 'RemoveFromVersionId');
    const holder = withStage(s, stage);
    if (removeFrom && holder?.versionId !== removeFrom) {
      throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
    }
    if (moveTo) {
      const target = s.versions.find((v) => v.versionId === moveTo);
      if (!target) throw notFound(`Secrets Manager can't find the specified secret version: ${moveTo}`);
      if (holder && holder !== target && holder.versionId !== removeFrom) {
        throw invalidParameter(
          `The staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.move(s, stage, target);
    } else if (holder && removeFrom) {
      if (stage === CURRENT)
        throw invalidParameter(
          'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
        );
      holder.stages = holder.stages.filter((x) => x !== stage);
    }
    s.lastChangedDate = this.host.now();
    dropUnlabelled(s);
    this.save();
    return { ARN: s.arn, Name: s.name };
  }

  private listSecretVersionIds(i: OperationInput) {
    const region = i.$request.region;
    const s = this.find(required(i, 'SecretId'), region);
    const all = s.versions.filter((v) => i.IncludeDeprecated === true || v.stages.length > 0);
    const max = typeof i.MaxResults === 'number' ? i.MaxResults : 100;
    const start = typeof i.NextToken === 'string' ? Number(Buffer.from(i.NextToken, 'base64').toString()) : 0;
    const next = start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
    return {
      ARN: arnIn(s, region),
      Name: s.name,
      Versions: all.slice(start, start + max).map((v) => ({
        VersionId: v.versionId,
        VersionStages: v.stages,
        CreatedDate: epochSeconds(v.createdDate),
        LastAccessedDate: epochSeconds(v.lastAccessedDate),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private rotateSecret(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
    const lambdaArn = str(i, 'RotationLambdaARN') ?? s.rotationLambdaArn;
    if (!lambdaArn) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
    const rules = i.RotationRules as RotationRulesInput | undefined;
    if (rules) validateRules(rules);
    const lambda = this.host.services.lambda;
    if (!lambda.version(lambdaArn))
      throw invalidRequest(
        `Secrets Manager cannot invoke the specified Lambda function. The function ${lambdaArn} does not exist.`,
      );
    if (!lambda.allowsInvoke(lambdaArn, 'secretsmanager.amazonaws.com', s.arn)) {
      throw new ServiceError(
        'AccessDeniedException',
        'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
      );
    }
    const pending = withStage(s, PENDING);
    if (pending && !pending.stages.includes(CURRENT)) {
      // As AWS says, the stuck rotation is reattempted, and this call fails.
      void this.rotations.start(s.arn, pending.versionId, STEPS);
      throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    s.rotationLambdaArn = lambdaArn;
    if (rules) s.rotationRules = rules;
    s.rotationEnabled = true;
    const token = str(i, 'ClientRequestToken') ?? randomUUID();
    if (i.RotateImmediately === false) {
      // Probe: a pending version without value, testSecret alone, then removed.
      s.nextRotationDate = nextRotation(s.rotationRules, s.lastRotatedDate ?? this.host.now());
      this.save();
      void this.rotations.start(s.arn, token, ['testSecret'], { probe: true });
      return { ARN: s.arn, Name: s.name };
    }
    this.save();
    void this.rotations.start(s.arn, token, STEPS);
    return { ARN: s.arn, Name: s.name, VersionId: token };
  }

  private cancelRotateSecret(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
    s.rotationEnabled = false;
    s.nextRotationDate = undefined;
    const pending = withStage(s, PENDING);
    this.save();
    return {
      ARN: s.arn,
      Name: s.name,
      ...(pending && !pending.stages.includes(CURRENT) ? { VersionId: pending.versionId } : {}),
    };
  }

  private deleteSecret(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { allowDeleted: true, write: true });
    const force = i.ForceDeleteWithoutRecovery === true;
    if (force && i.RecoveryWindowInDays !== undefined)
      throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    if (s.replicas?.length)
      throw invalidRequest(
        `You can't delete secret ${s.name} that still has replica regions [${s.replicas.map((r) => r.region).join(', ')}]. Remove the replicas first.`,
      );
    const days = i.RecoveryWindowInDays === undefined ? 30 : Number(i.RecoveryWindowInDays);
    if (!force && (!Number.isInteger(days) || days < 7 || days > 30))
      throw invalidParameter('RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    const deletionDate = force ? this.host.now() : (s.deletedDate ?? this.host.now() + days * 86_400_000);
    if (force) this.state.secrets = this.state.secrets.filter((x) => x !== s);
    else s.deletedDate = deletionDate;
    this.save();
    return { ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(deletionDate) };
  }

  private restoreSecret(i: OperationInput) {
    const s = this.find(required(i, 'SecretId'), i.$request.region, { allowDeleted: true, write: true });
    delete s.deletedDate;
    this.save();
    return { ARN: s.arn, Name: s.name };
  }

  private definePlugin(): ServicePlugin {
    const arnName = (s: SecretState) => ({ ARN: s.arn, Name: s.name });
    return definePlugin({
      name: 'secretsmanager',
      terraformEndpoint: 'secretsmanager',
      protocol: 'json',
      target: 'secretsmanager',
      resourceOf: (_operation, i) =>
        i.SecretId === undefined ? '*' : this.find(String(i.SecretId), i.$request.region, { allowDeleted: true }).arn,
      start: () => this.rotations.resumeInterrupted(),
      stop: () => this.rotations.settled(),
      operations: {
        CreateSecret: (i) => this.createSecret(i),
        DescribeSecret: (i) => this.describeSecret(i),
        GetSecretValue: (i) => this.getSecretValue(i),
        PutSecretValue: (i) => this.putSecretValue(i),
        UpdateSecret: (i) => this.updateSecret(i),
        UpdateSecretVersionStage: (i) => this.updateSecretVersionStage(i),
        ListSecretVersionIds: (i) => this.listSecretVersionIds(i),
        ListSecrets: (i) => ({
          SecretList: this.state.secrets
            .filter((s) => s.region === i.$request.region || isReplicaIn(s, i.$request.region))
            .filter((s) => s.deletedDate === undefined)
            .map((s) => ({
              ARN: arnIn(s, i.$request.region),
              Name: s.name,
              ...(s.description ? { Description: s.description } : {}),
              RotationEnabled: s.rotationEnabled,
              PrimaryRegion: s.region,
            })),
        }),
        GetRandomPassword: (i) => ({ RandomPassword: randomPassword(i) }),
        RotateSecret: (i) => this.rotateSecret(i),
        CancelRotateSecret: (i) => this.cancelRotateSecret(i),
        DeleteSecret: (i) => this.deleteSecret(i),
        RestoreSecret: (i) => this.restoreSecret(i),
        GetResourcePolicy: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region);
          return { ...arnName(s), ...(s.resourcePolicy ? { ResourcePolicy: s.resourcePolicy } : {}) };
        },
        PutResourcePolicy: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          const policy = required(i, 'ResourcePolicy');
          try {
            JSON.parse(policy);
          } catch {
            throw new ServiceError('MalformedPolicyDocumentException', 'The resource policy is not valid JSON.');
          }
          s.resourcePolicy = policy;
          this.save();
          return arnName(s);
        },
        DeleteResourcePolicy: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          delete s.resourcePolicy;
          this.save();
          return arnName(s);
        },
        TagResource: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          const add = (i.Tags as Array<{ Key: string; Value: string }> | undefined) ?? [];
          s.tags = [...s.tags.filter((t) => !add.some((a) => a.Key === t.Key)), ...add];
          this.save();
          return {};
        },
        UntagResource: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          const keys = (i.TagKeys as string[] | undefined) ?? [];
          s.tags = s.tags.filter((t) => !keys.includes(t.Key));
          this.save();
          return {};
        },
        ReplicateSecretToRegions: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          for (const r of (i.AddReplicaRegions as Array<{ Region: string; KmsKeyId?: string }> | undefined) ?? []) {
            if (r.Region === s.region)
              throw invalidParameter('Invalid replica region: a replica must be in another region than the primary.');
            if (!(s.replicas ?? []).some((x) => x.region === r.Region))
              s.replicas = [
                ...(s.replicas ?? []),
                { region: r.Region, ...(r.KmsKeyId ? { kmsKeyId: r.KmsKeyId } : {}) },
              ];
          }
          this.save();
          return { ARN: s.arn, ReplicationStatus: this.replicationStatus(s) };
        },
        RemoveRegionsFromReplication: (i) => {
          const s = this.find(required(i, 'SecretId'), i.$request.region, { write: true });
          const remove = (i.RemoveReplicaRegions as string[] | undefined) ?? [];
          s.replicas = (s.replicas ?? []).filter((r) => !remove.includes(r.region));
          if (s.replicas.length === 0) delete s.replicas;
          this.save();
          return { ARN: s.arn, ReplicationStatus: this.replicationStatus(s) };
        },
      },
    });
  }
}

function secretValueOf(i: OperationInput): { secretString?: string; secretBinary?: string } {
  if (i.SecretString !== undefined && i.SecretBinary !== undefined)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  if (i.SecretString !== undefined) return { secretString: str(i, 'SecretString') as string };
  if (i.SecretBinary !== undefined) return { secretBinary: str(i, 'SecretBinary') as string };
  return {};
}

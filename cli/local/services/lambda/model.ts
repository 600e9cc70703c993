// Lambda's resources as the local cloud keeps them, and how they read on the
// wire (FunctionConfiguration with the defaults AWS fills in).

export interface FunctionVersionState {
  version: string;
  codeSha256: string;
  codeSize: number;
  description: string;
  /** $LATEST's description when this version was published (what "unchanged" compares) */
  sourceDescription?: string;
  runtime: string;
  handler: string;
  role: string;
  timeout: number;
  memorySize: number;
  environment?: Record<string, string>;
  architectures?: string[];
  lastModified: string;
  revisionId: string;
  /** a published version reads State Pending until this time (epoch ms), as on AWS after PublishVersion */
  activeAt?: number;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface FunctionState {
  name: string;
  region: string;
  arn: string;
  latest: FunctionVersionState;
  versions: FunctionVersionState[];
  tags?: Record<string, string>;
  policy?: PolicyStatement[];
  /** State reads Pending until this time (epoch ms) */
  activeAt?: number;
  /** LastUpdateStatus reads InProgress until this time */
  updatedAt?: number;
}

export interface LambdaState {
  functions: FunctionState[];
}

export const lambdaTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export function sameVersion(a: FunctionVersionState, b: FunctionVersionState): boolean {
  return (
    a.codeSha256 === b.codeSha256 &&
    (a.sourceDescription ?? a.description) === (b.sourceDescription ?? b.description) &&
    a.runtime === b.runtime &&
    a.handler === b.handler &&
    a.role === b.role &&
    a.timeout === b.timeout &&
    a.memorySize === b.memorySize &&
    JSON.stringify(a.environment ?? {}) === JSON.stringify(b.environment ?? {})
  );
}

/** Whether a published version is still Pending (CloudFront refuses to associate it until it is Active). */
export function isPendingVersion(v: FunctionVersionState, now: number): boolean {
  return v.activeAt !== undefined && now < v.activeAt;
}

export function functionConfiguration(fn: FunctionState, v: FunctionVersionState, now: number) {
  const pending = v.version === '$LATEST' ? fn.activeAt !== undefined && now < fn.activeAt : isPendingVersion(v, now);
  const updating = v.version === '$LATEST' && !pending && fn.updatedAt !== undefined && now < fn.updatedAt;
  return {
    FunctionName: fn.name,
    FunctionArn: v.version === '$LATEST' ? fn.arn : `${fn.arn}:${v.version}`,
    Runtime: v.runtime,
    Role: v.role,
    Handler: v.handler,
    CodeSize: v.codeSize,
    Description: v.description,
    Timeout: v.timeout,
    MemorySize: v.memorySize,
    LastModified: v.lastModified,
    CodeSha256: v.codeSha256,
    Version: v.version,
    ...(v.environment ? { Environment: { Variables: v.environment } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: v.revisionId,
    State: pending ? 'Pending' : 'Active',
    ...(pending ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' } : {}),
    LastUpdateStatus: pending || updating ? 'InProgress' : 'Successful',
    ...(updating
      ? { LastUpdateStatusReason: 'The function is being updated.', LastUpdateStatusReasonCode: 'InProgress' }
      : {}),
    PackageType: 'Zip',
    Architectures: v.architectures ?? ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
  };
}

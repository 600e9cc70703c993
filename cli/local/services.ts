// What one local service may ask of another: small interfaces the cloud wires
// together, never each other's internals or state.

export interface FunctionVersionInfo {
  name: string;
  region: string;
  version: string;
  environment: Record<string, string> | undefined;
  timeout: number;
  memorySize: number;
  runtime: string;
  /** Pending for a moment after PublishVersion, then Active */
  state: 'Pending' | 'Active';
}

/** Filled in by an invoke: which instance (function:version#n) ran the event. */
export interface InvokeMeta {
  instance?: string;
}

export interface LambdaFacade {
  /** runs a function (name or ARN, optionally qualified); a function error rejects with FunctionError; `meta.instance` names the instance that ran it */
  invoke(arn: string, event: unknown, meta?: InvokeMeta): Promise<unknown>;
  /** as Lambda@Edge runs a replica: each instance in an edge region of its own, logging there */
  invokeAtEdge(arn: string, event: unknown, meta?: InvokeMeta): Promise<unknown>;
  /** the version an ARN names, or undefined */
  version(arn: string): FunctionVersionInfo | undefined;
  /** whether the function's resource policy lets `principal` invoke it on behalf of `sourceArn` */
  allowsInvoke(arn: string, principal: string, sourceArn: string): boolean;
}

/** Temporary credentials of an assumed role (STS AssumeRole, or a function's execution role). */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, the principal IAM names in its answers */
  assumedRoleArn: string;
  expires: number;
}

export interface IamFacade {
  /** whether a role with this ARN exists and trusts `service` (e.g. lambda.amazonaws.com) */
  roleTrusts(roleArn: string, service: string): boolean;
  /** whether a role trusts the account itself (Principal AWS: the account id or its root) */
  roleTrustsAccount(roleArn: string): boolean;
  /** new temporary credentials for a role (the caller checked the trust) */
  openSession(roleArn: string, sessionName: string, seconds: number): RoleSession;
  /** the unexpired session these credentials belong to */
  session(accessKeyId: string): RoleSession | undefined;
  /** a role's identity policies: its inline policies and the default versions of those attached */
  identityStatements(roleArn: string): import('./services/iam-policy.js').Statement[];
}

export interface CloudFrontFacade {
  /** qualified function ARNs that distributions associate right now */
  associatedFunctionArns(): Set<string>;
}

export interface Services {
  lambda: LambdaFacade;
  iam: IamFacade;
  cloudfront: CloudFrontFacade;
}

// The stack side of an edge engine: what it bundles, the resources it adds to
// the stack, and its statements of the team policies. Registered in
// stacks/engines/index.ts; the CLI side is cli/engines/.

import type { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import type { EdgeAuthConfig } from '../../handlers/edge-auth/config.js';
import type { Need, PolicyStatement } from '../needs.js';

export interface EngineProps {
  /** us-east-1, where every edge resource lives */
  provider: TerraformProvider;
  name: string;
  secretName: string;
  /** the secret's ARN (a token resolved at synth: the secret is made after the engine) */
  secretArn: string;
  homeRegion: string;
  replicaRegions: string[];
  kmsKeyId: string | undefined;
  edge: EdgeAuthConfig;
}

/** The ARNs the team policies name for an engine. */
export interface EngineArns {
  functionArn: string;
  storeArn?: string;
  /** the edge's log group: its name, and the region it is in ('*': every region the edge runs in) */
  logGroup: { name: string; region: string };
  distributionArn: string;
  accountId: string;
}

export interface EngineResources {
  /** what the distribution's behaviors run on viewer-request */
  viewerRequest: { lambdaArn: string } | { functionArn: string };
  /** a store the rotation function publishes digests to after each rotation */
  rotationStore?: { arn: string; graceSeconds: number };
  /** the ARNs this engine's policy statements name */
  arns: Omit<EngineArns, 'distributionArn' | 'accountId'>;
  /** Terraform outputs, read back by cli/project/outputs.ts */
  outputs: { edge_function_name: string; edge_function_qualified_arn: string; edge_function_version: string } & Record<
    string,
    string
  >;
}

/** What an engine built: files written beside cdk.tf.json, and the construct that refers to them. */
export interface EngineBuild {
  /** file name -> content, written to <stack dir>/assets */
  assets: Record<string, Uint8Array>;
  /** the zips shipped, as synth reports them */
  bundles: Array<{ handler: string; zipBytes: number; sha256: string }>;
  /** adds the engine's resources (built synchronously, as CDKTF requires; the modules are loaded by build) */
  construct(scope: Construct, props: EngineProps): EngineResources;
}

/** The commands whose AWS calls depend on the engine (stacks/permissions.ts adds what every engine's share). */
export type EngineCommand = 'status' | 'rotate --now' | 'users add/remove' | 'sync' | 'publish' | 'attach' | 'detach';

export interface StackEngine<Build extends EngineBuild = EngineBuild> {
  /** what it is, in a few words (init's question, --engine's help) */
  summary: string;
  /** attach mode: whether deploy can protect a distribution basicauth did not create with it */
  attachable: boolean;
  build(edge: EdgeAuthConfig): Promise<Build>;
  /** per command, what it calls on this engine's resources; undefined: the command does not apply to this engine */
  needs: Record<EngineCommand, Need[] | undefined>;
  /** this engine's statements of the team policies: readers read what status reads, operators also publish */
  statements(arns: EngineArns): { readers: PolicyStatement[]; operators: PolicyStatement[] };
}

// The Lambda@Edge engine in the stack: the edge-auth bundle, its function in
// us-east-1 (a numbered version per deploy), and what the team may do with it.

import type { Bundle } from '../bundle.js';
import { need, readDistribution } from '../needs.js';
import type { EngineBuild, StackEngine } from './types.js';

export interface LambdaEdgeBuild extends EngineBuild {
  bundle: Bundle;
}

const readFunction = need('function', 'lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction');
/** Changing which Lambda@Edge version a distribution runs (publish, attach, detach). */
const associate = [
  ...need('function-version', 'lambda:GetFunction', 'lambda:EnableReplication*', 'lambda:DisableReplication*'),
  ...need('distribution', 'cloudfront:UpdateDistribution'),
  // the service-linked role Lambda@Edge replicates with, made on the account's first association
  ...need('replicator-role', 'iam:CreateServiceLinkedRole'),
];

export const lambdaEdgeStack: StackEngine<LambdaEdgeBuild> = {
  summary: 'Lambda@Edge',
  attachable: true,
  needs: {
    status: [...readFunction, ...readDistribution],
    'rotate --now': [],
    'users add/remove': [],
    sync: undefined,
    publish: [
      ...need(
        'function',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PublishVersion',
      ),
      ...readDistribution,
      ...associate,
    ],
    attach: [...readFunction, ...readDistribution, ...associate],
    detach: [...readFunction, ...readDistribution, ...associate],
  },

  async build(edge) {
    const [{ bundleHandler }, { EdgeFunction }] = await Promise.all([
      import('../bundle.js'),
      import('../constructs/lambda-edge.js'),
    ]);
    const bundle = await bundleHandler({ handler: 'edge-auth', edgeConfig: edge });
    return {
      bundle,
      assets: { 'edge-auth.zip': bundle.zip },
      bundles: [{ handler: bundle.handler, zipBytes: bundle.zipBytes, sha256: bundle.sha256 }],
      construct(scope, p) {
        const { function: fn } = new EdgeFunction(scope, 'edge', {
          provider: p.provider,
          name: p.name,
          secretArn: p.secretArn,
          homeRegion: p.homeRegion,
          replicaRegions: p.replicaRegions,
          kmsKeyId: p.kmsKeyId,
          readsRotationDate: p.edge.graceSeconds > 0,
          code: { path: '${path.module}/assets/edge-auth.zip', sha256: bundle.sha256 },
        });
        return {
          viewerRequest: { lambdaArn: fn.qualifiedArn },
          // Lambda@Edge logs in every region it runs in, under the name of its home's function
          arns: { functionArn: fn.arn, logGroup: { name: `/aws/lambda/us-east-1.${fn.functionName}`, region: '*' } },
          outputs: {
            edge_function_name: fn.functionName,
            edge_function_qualified_arn: fn.qualifiedArn,
            edge_function_version: fn.version,
          },
        };
      },
    };
  },

  statements({ functionArn, distributionArn, accountId }) {
    const functionArns = [functionArn, `${functionArn}:*`];
    return {
      readers: [
        {
          Sid: 'ReadEdgeFunction',
          Effect: 'Allow',
          Action: ['lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction'],
          Resource: functionArns,
        },
      ],
      operators: [
        // Associating or dissociating a Lambda@Edge version needs these on the function; AWS documents the
        // replication actions with a trailing asterisk, and it is required.
        {
          Sid: 'PublishEdgeFunction',
          Effect: 'Allow',
          Action: [
            'lambda:UpdateFunctionConfiguration',
            'lambda:PublishVersion',
            'lambda:GetFunction',
            'lambda:EnableReplication*',
            'lambda:DisableReplication*',
          ],
          Resource: functionArns,
        },
        {
          Sid: 'RepointDistribution',
          Effect: 'Allow',
          Action: 'cloudfront:UpdateDistribution',
          Resource: distributionArn,
        },
        {
          Sid: 'LambdaEdgeServiceRole',
          Effect: 'Allow',
          Action: 'iam:CreateServiceLinkedRole',
          Resource: `arn:aws:iam::${accountId}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`,
          Condition: { StringLike: { 'iam:AWSServiceName': 'replicator.lambda.amazonaws.com' } },
        },
      ],
    };
  },
};

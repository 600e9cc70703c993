// The CloudFront Functions engine in the stack: the function's code (settings
// baked in, at most 10 KB), its KeyValueStore of digests, and what the team
// may do with them.

import type { FunctionBundle } from '../function-bundle.js';
import { need, readDistribution, readSecret } from '../needs.js';
import type { EngineBuild, StackEngine } from './types.js';

export interface CloudFrontFunctionBuild extends EngineBuild {
  function: FunctionBundle;
}

const readStore = need('store', 'cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:ListKeys');
const publishDigests = [...readStore, ...need('store', 'cloudfront-keyvaluestore:UpdateKeys')];

export const cloudFrontFunctionStack: StackEngine<CloudFrontFunctionBuild> = {
  summary: 'a CloudFront Function, no cold starts; create mode only',
  // attach mode re-points Lambda@Edge versions; a CloudFront function is associated by the distribution basicauth creates
  attachable: false,
  needs: {
    status: [...need('function', 'cloudfront:DescribeFunction'), ...readStore, ...readDistribution],
    // then it waits for the rotation function to publish the new digests
    'rotate --now': readStore,
    'users add/remove': publishDigests,
    sync: [...readSecret, ...publishDigests],
    publish: [
      ...need('function', 'cloudfront:DescribeFunction', 'cloudfront:GetFunction', 'cloudfront:PublishFunction'),
      ...need('distribution', 'cloudfront:GetDistribution'),
    ],
    attach: undefined,
    detach: undefined,
  },

  async build(edge) {
    const [{ bundleFunction }, { EdgeCloudFrontFunction }] = await Promise.all([
      import('../function-bundle.js'),
      import('../constructs/cloudfront-function.js'),
    ]);
    const bundle = await bundleFunction(edge);
    return {
      function: bundle,
      assets: {},
      bundles: [],
      construct(scope, p) {
        const cff = new EdgeCloudFrontFunction(scope, 'edge_function', {
          provider: p.provider,
          name: p.name,
          secretName: p.secretName,
          code: bundle.code,
        });
        return {
          viewerRequest: { functionArn: cff.function.arn },
          rotationStore: { arn: cff.store.arn, graceSeconds: p.edge.graceSeconds },
          arns: {
            functionArn: cff.function.arn,
            storeArn: cff.store.arn,
            logGroup: { name: `/aws/cloudfront/function/${cff.function.name}`, region: 'us-east-1' },
          },
          outputs: {
            edge_function_name: cff.function.name,
            edge_function_qualified_arn: cff.function.arn,
            edge_function_version: 'LIVE',
            key_value_store_arn: cff.store.arn,
          },
        };
      },
    };
  },

  statements({ functionArn, storeArn = '' }) {
    return {
      readers: [
        { Sid: 'ReadEdgeFunction', Effect: 'Allow', Action: 'cloudfront:DescribeFunction', Resource: functionArn },
        {
          Sid: 'ReadDigestStore',
          Effect: 'Allow',
          Action: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:ListKeys'],
          Resource: storeArn,
        },
      ],
      operators: [
        // publish compares the DEVELOPMENT and LIVE code (GetFunction) before publishing
        {
          Sid: 'PublishEdgeFunction',
          Effect: 'Allow',
          Action: ['cloudfront:GetFunction', 'cloudfront:PublishFunction'],
          Resource: functionArn,
        },
        // `users add/remove` and `sync` publish the digests themselves
        { Sid: 'PublishDigests', Effect: 'Allow', Action: 'cloudfront-keyvaluestore:UpdateKeys', Resource: storeArn },
      ],
    };
  },
};

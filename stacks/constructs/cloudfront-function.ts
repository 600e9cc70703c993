// The CloudFront Functions engine: a KeyValueStore for the credential digests
// (published by the rotation function, never a password) and the
// viewer-request function that reads it, published LIVE. CloudFront resources
// are global; no role: the function reads only the store associated with it.

import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { CloudfrontFunction } from '@cdktf/provider-aws/lib/cloudfront-function/index.js';
import { CloudfrontKeyValueStore } from '@cdktf/provider-aws/lib/cloudfront-key-value-store/index.js';
import { terraformLiteral } from './terraform-literal.js';

export interface EdgeCloudFrontFunctionProps {
  provider: TerraformProvider;
  name: string;
  secretName: string;
  /** the bundled function (stacks/function-bundle.ts): settings baked in, at most 10 KB */
  code: string;
}

export class EdgeCloudFrontFunction extends Construct {
  readonly store: CloudfrontKeyValueStore;
  readonly function: CloudfrontFunction;

  constructor(scope: Construct, id: string, p: EdgeCloudFrontFunctionProps) {
    super(scope, id);
    this.store = new CloudfrontKeyValueStore(this, 'store', {
      provider: p.provider,
      name: `${p.name}-digests`,
      comment: `basicauth: salted digests of ${p.secretName} (no passwords)`,
    });
    this.function = new CloudfrontFunction(this, 'function', {
      provider: p.provider,
      name: `${p.name}-edge-auth`,
      comment: 'basicauth: HTTP Basic auth at the edge (digests in a KeyValueStore)',
      runtime: 'cloudfront-js-2.0',
      code: terraformLiteral(p.code),
      publish: true,
      keyValueStoreAssociations: [this.store.arn],
    });
  }
}

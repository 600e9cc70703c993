// The response headers policy that keeps a protected site out of search
// engines: `X-Robots-Tag: noindex, nofollow` on every answer the behaviors
// that use it serve (the edge's own 401 carries it too). A distribution
// basicauth creates uses it on every behavior; attach mode puts it on the
// protected behaviors that have no policy of their own (cli/ops/attach.ts).

import type { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { CloudfrontResponseHeadersPolicy } from '@cdktf/provider-aws/lib/cloudfront-response-headers-policy/index.js';
import { ROBOTS_HEADER } from '../../handlers/shared/robots.js';

export function noindexPolicy(
  scope: Construct,
  provider: TerraformProvider,
  name: string,
): CloudfrontResponseHeadersPolicy {
  return new CloudfrontResponseHeadersPolicy(scope, 'noindex', {
    provider,
    name: `${name}-noindex`,
    comment: 'basicauth: keep a protected site out of search engines',
    customHeadersConfig: { items: [{ header: 'X-Robots-Tag', value: ROBOTS_HEADER, override: true }] },
  });
}

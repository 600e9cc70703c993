// STS over the query protocol: who the caller is (the Terraform provider asks
// at start-up to learn the account id).

import { LOCAL_CREDENTIALS } from '../credentials.js';
import { accountOf, type ServiceHost } from '../host.js';
import { definePlugin, type ServicePlugin } from '../plugin.js';

export function stsPlugin(host: ServiceHost): ServicePlugin<Record<string, never>> {
  return definePlugin({
    name: 'sts',
    protocol: 'query',
    target: 'https://sts.amazonaws.com/doc/2011-06-15/',
    initialState: () => ({}),
    operations: {
      GetCallerIdentity: () => ({
        UserId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
        Account: accountOf(host),
        Arn: `arn:aws:iam::${accountOf(host)}:user/basicauth-local`,
      }),
    },
  });
}

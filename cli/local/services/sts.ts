// STS over the query protocol: who the caller is (the Terraform provider asks
// at start-up to learn the account id), and AssumeRole, which hands out the
// temporary credentials the IAM evaluation mode judges by the role's policies.

import { LOCAL_CREDENTIALS } from '../credentials.js';
import { accountOf, type ServiceHost } from '../host.js';
import { definePlugin, type OperationInput, ServiceError, type ServicePlugin } from '../plugin.js';

/** The access key id a request was signed with (header or query-string credentials). */
export function accessKeyOf(i: Pick<OperationInput, '$request'>): string | undefined {
  const auth = String(i.$request.headers.authorization ?? '');
  return /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? i.$request.query.get('X-Amz-Credential')?.split('/')[0];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function stsPlugin(host: ServiceHost): ServicePlugin {
  const rootArn = () => `arn:aws:iam::${accountOf(host)}:user/basicauth-local`;
  return definePlugin({
    name: 'sts',
    terraformEndpoint: 'sts',
    protocol: 'query',
    target: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: {
      GetCallerIdentity: (i) => {
        const session = host.services.iam.session(accessKeyOf(i) ?? '');
        if (session)
          return {
            UserId: `${session.accessKeyId}:${session.assumedRoleArn.split('/').at(-1)}`,
            Account: accountOf(host),
            Arn: session.assumedRoleArn,
          };
        return { UserId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID, Account: accountOf(host), Arn: rootArn() };
      },
      AssumeRole: (i) => {
        const roleArn = String(i.RoleArn ?? '');
        const sessionName = String(i.RoleSessionName ?? '');
        if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
          throw new ServiceError(
            'ValidationError',
            `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
          );
        }
        const seconds = i.DurationSeconds === undefined ? 3600 : Number(i.DurationSeconds);
        if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43_200) {
          throw new ServiceError(
            'ValidationError',
            `1 validation error detected: Value '${i.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
          );
        }
        // Only the account's own credentials assume roles here, and only roles whose trust policy names the account.
        const caller =
          accessKeyOf(i) === LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID
            ? rootArn()
            : host.services.iam.session(accessKeyOf(i) ?? '')?.assumedRoleArn;
        if (caller !== rootArn() || !host.services.iam.roleTrustsAccount(roleArn)) {
          throw new ServiceError(
            'AccessDenied',
            `User: ${caller ?? 'anonymous'} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
            403,
          );
        }
        const session = host.services.iam.openSession(roleArn, sessionName, seconds);
        return {
          Credentials: {
            AccessKeyId: session.accessKeyId,
            SecretAccessKey: session.secretAccessKey,
            SessionToken: session.sessionToken,
            Expiration: iso(session.expires),
          },
          AssumedRoleUser: { AssumedRoleId: `${session.accessKeyId}:${sessionName}`, Arn: session.assumedRoleArn },
        };
      },
    },
  });
}

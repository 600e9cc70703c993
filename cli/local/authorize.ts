// What an AWS call needs from IAM, for the local cloud's IAM evaluation mode:
// the action (service prefix and operation, as the Service Authorization
// Reference names them) and the resource ARN it acts on, plus the calls AWS
// makes on the caller's behalf. CloudFront associating a Lambda@Edge version
// needs lambda:GetFunction and the replication actions on that version, the
// latter documented with an asterisk that is required ("Set up IAM permissions
// and roles for Lambda@Edge"): a policy naming lambda:EnableReplication without
// it does not grant them, here as on AWS.

import type { LocalCloud } from './cloud.js';
import type { OperationInput } from './plugin.js';

export interface Requirement {
  action: string;
  resource: string;
}

/** Operations whose IAM action is not the operation's name. */
const ACTION_NAMES: Record<string, string> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
  'cloudfront:CreateDistributionWithTags': 'cloudfront:CreateDistribution',
};

const LAMBDA_VERSION_ARN = /arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+:\d+/g;

export function requirementsOf(cloud: LocalCloud, service: string, operation: string, input: OperationInput): Requirement[] {
  // the IAM prefix of every local service is its SigV4 name
  const action = ACTION_NAMES[`${service}:${operation}`] ?? `${service}:${operation}`;
  const region = input.$request.region;
  const account = cloud.store.state.accountId;
  const own = { action, resource: resourceOf(cloud, service, operation, input, region, account) };
  if (service === 'cloudfront' && (operation === 'UpdateDistribution' || operation.startsWith('CreateDistribution'))) {
    return [own, ...lambdaEdgeRequirements(cloud, String(input.Id ?? ''), input.$request.body.toString('utf8'))];
  }
  return [own];
}

function resourceOf(cloud: LocalCloud, service: string, operation: string, input: OperationInput, region: string, account: string): string {
  try {
    switch (service) {
      case 'secretsmanager': {
        if (input.SecretId === undefined) return '*';
        return cloud.secretsManager.find(String(input.SecretId), region, { allowDeleted: true }).arn;
      }
      case 'lambda': {
        if (input.FunctionName === undefined) return '*';
        const { fn } = cloud.lambda.functions.resolve(String(input.FunctionName), region);
        const qualifier = input.Qualifier ?? /:(\d+|\$LATEST)$/.exec(String(input.FunctionName))?.[1];
        return qualifier && qualifier !== '$LATEST' ? `${fn.arn}:${qualifier}` : fn.arn;
      }
      case 'cloudfront': {
        if (input.Id !== undefined && /Distribution/.test(operation)) return `arn:aws:cloudfront::${account}:distribution/${input.Id}`;
        if (input.Name !== undefined && /KeyValueStore/.test(operation)) return cloud.cloudfront.functions.store(input.Name).arn;
        if (input.Name !== undefined) return `arn:aws:cloudfront::${account}:function/${input.Name}`;
        return '*';
      }
      case 'cloudfront-keyvaluestore':
        return input.KvsARN === undefined ? '*' : String(input.KvsARN);
      default:
        return '*';
    }
  } catch {
    // a resource that does not exist: IAM decides on the name asked for; the service then says it is missing
    return '*';
  }
}

/** What CloudFront asks of Lambda for each Lambda@Edge version the change adds or removes. */
function lambdaEdgeRequirements(cloud: LocalCloud, distributionId: string, body: string): Requirement[] {
  const before = new Set(JSON.stringify(cloud.cloudfront.state.distributions.find((d) => d.id === distributionId)?.config ?? {}).match(LAMBDA_VERSION_ARN) ?? []);
  const after = new Set(body.match(LAMBDA_VERSION_ARN) ?? []);
  const added = [...after].filter((arn) => !before.has(arn));
  const removed = [...before].filter((arn) => !after.has(arn));
  return [
    ...added.flatMap((arn) => [
      { action: 'lambda:GetFunction', resource: arn },
      { action: 'lambda:EnableReplication*', resource: arn },
    ]),
    ...removed.map((arn) => ({ action: 'lambda:DisableReplication*', resource: arn })),
  ];
}

// What an AWS call needs from IAM, for the local cloud's IAM evaluation mode:
// the action (service prefix and operation, as the Service Authorization
// Reference names them) and the resource ARN it acts on, plus the calls AWS
// makes on the caller's behalf. Each service plugin names its resources
// (resourceOf) and those calls (impliedRequirements): CloudFront associating a
// Lambda@Edge version needs lambda:GetFunction and the replication actions on
// that version, the latter documented with an asterisk that is required ("Set
// up IAM permissions and roles for Lambda@Edge"): a policy naming
// lambda:EnableReplication without it does not grant them, here as on AWS.

import type { OperationInput, Requirement, ServicePlugin } from './plugin.js';

/** Operations whose IAM action is not the operation's name. */
const ACTION_NAMES: Record<string, string> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
  'cloudfront:CreateDistributionWithTags': 'cloudfront:CreateDistribution',
};

export function requirementsOf(plugin: ServicePlugin, operation: string, input: OperationInput): Requirement[] {
  // the IAM prefix of every local service is its SigV4 name
  const action = ACTION_NAMES[`${plugin.name}:${operation}`] ?? `${plugin.name}:${operation}`;
  let resource = '*';
  try {
    resource = plugin.resourceOf?.(operation, input) ?? '*';
  } catch {
    // a resource that does not exist: IAM decides on the name asked for; the service then says it is missing
  }
  return [{ action, resource }, ...(plugin.impliedRequirements?.(operation, input) ?? [])];
}

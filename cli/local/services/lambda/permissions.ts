// A function's resource-based policy (AddPermission / GetPolicy /
// RemovePermission), written the way Lambda writes it, and the check other
// services make before invoking (Secrets Manager needs a grant to rotate).

import { ServiceError } from '../../plugin.js';
import type { FunctionState, PolicyStatement } from './model.js';

export interface PermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  SourceArn?: string;
  SourceAccount?: string;
  PrincipalOrgID?: string;
  Qualifier?: string;
}

const invalidValue = (message: string) => new ServiceError('InvalidParameterValueException', message, 400);

export function addPermission(fn: FunctionState, input: PermissionInput): PolicyStatement {
  const sid = input.StatementId;
  if (!sid || !/^[a-zA-Z0-9-_]{1,100}$/.test(sid))
    throw invalidValue(
      "1 validation error detected: Value at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    );
  if (!input.Action || !/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(input.Action))
    throw invalidValue(`The action ${String(input.Action)} is not valid.`);
  if (!input.Principal) throw invalidValue('The principal is required.');
  if ((fn.policy ?? []).some((s) => s.Sid === sid)) {
    throw new ServiceError(
      'ResourceConflictException',
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      409,
    );
  }
  const principal =
    input.Principal.endsWith('.amazonaws.com') || input.Principal === '*'
      ? input.Principal === '*'
        ? { AWS: '*' }
        : { Service: input.Principal }
      : { AWS: /^\d{12}$/.test(input.Principal) ? `arn:aws:iam::${input.Principal}:root` : input.Principal };
  const condition: Record<string, Record<string, string>> = {};
  if (input.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': input.SourceAccount };
  if (input.PrincipalOrgID)
    condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': input.PrincipalOrgID };
  if (input.SourceArn) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal,
    Action: input.Action,
    Resource: input.Qualifier ? `${fn.arn}:${input.Qualifier}` : fn.arn,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
  fn.policy = [...(fn.policy ?? []), statement];
  return statement;
}

export function removePermission(fn: FunctionState, sid: string): void {
  if (!(fn.policy ?? []).some((s) => s.Sid === sid)) {
    throw new ServiceError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`, 404);
  }
  fn.policy = fn.policy!.filter((s) => s.Sid !== sid);
  if (fn.policy.length === 0) delete fn.policy;
}

export function policyDocument(fn: FunctionState): string {
  if (!fn.policy?.length)
    throw new ServiceError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: fn.policy });
}

/** Whether the policy lets a service principal invoke the function for `sourceArn`. */
export function allows(fn: FunctionState, principal: string, sourceArn: string): boolean {
  return (fn.policy ?? []).some((s) => {
    const who = 'Service' in s.Principal ? s.Principal.Service : s.Principal.AWS;
    if (who !== principal && who !== '*') return false;
    if (!['lambda:InvokeFunction', 'lambda:*', '*'].includes(s.Action)) return false;
    const arnLike = s.Condition?.ArnLike?.['AWS:SourceArn'];
    return arnLike === undefined || arnMatches(arnLike, sourceArn);
  });
}

function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\?/g, '.'))
      .join('.*')}$`,
  );
  return re.test(arn);
}

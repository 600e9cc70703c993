// CloudWatch Logs for `basicauth logs`, status and deploy, in any region: the
// SDK against AWS, a light JSON 1.1 client against the local cloud. Throttles
// are waited out the same way on both (../ops/logs.ts withBackoff).

import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { lightServiceCall, type LightTarget } from './secret-reads.js';

/** CloudWatch Logs, as `basicauth logs`, status and deploy use it, per region. */
export interface LogsApi {
  describeLogGroups(
    region: string,
    prefix: string,
    nextToken?: string,
  ): Promise<{
    groups: Array<{ name: string; retentionInDays?: number | undefined; storedBytes?: number | undefined }>;
    nextToken?: string | undefined;
  }>;
  filterLogEvents(
    region: string,
    input: {
      group: string;
      startTime: number;
      endTime?: number | undefined;
      pattern?: string | undefined;
      nextToken?: string | undefined;
    },
  ): Promise<{
    events: Array<{ timestamp: number; message: string; logStreamName: string; eventId: string }>;
    nextToken?: string | undefined;
  }>;
  putRetentionPolicy(region: string, group: string, days: number): Promise<void>;
}

type Page = Awaited<ReturnType<LogsApi['filterLogEvents']>>;

/** FilterLogEvents' request, as AWS names its fields (both clients send it). */
function filterRequest(input: Parameters<LogsApi['filterLogEvents']>[1]) {
  return {
    logGroupName: input.group,
    startTime: input.startTime,
    ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
    ...(input.pattern ? { filterPattern: input.pattern } : {}),
    ...(input.nextToken ? { nextToken: input.nextToken } : {}),
  };
}

export function sdkLogs(make: (region: string) => Promise<CloudWatchLogsClient>): LogsApi {
  const sdk = () => import('@aws-sdk/client-cloudwatch-logs');
  return {
    async describeLogGroups(region, prefix, nextToken) {
      const [{ DescribeLogGroupsCommand }, client] = await Promise.all([sdk(), make(region)]);
      const out = await client.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, ...(nextToken ? { nextToken } : {}) }),
      );
      return {
        groups: (out.logGroups ?? []).map((g) => ({
          name: g.logGroupName ?? '',
          retentionInDays: g.retentionInDays,
          storedBytes: g.storedBytes,
        })),
        nextToken: out.nextToken,
      };
    },
    async filterLogEvents(region, input) {
      const [{ FilterLogEventsCommand }, client] = await Promise.all([sdk(), make(region)]);
      const out = await client.send(new FilterLogEventsCommand(filterRequest(input)));
      return {
        events: (out.events ?? []).map((e) => ({
          timestamp: e.timestamp ?? 0,
          message: e.message ?? '',
          logStreamName: e.logStreamName ?? '',
          eventId: e.eventId ?? '',
        })),
        nextToken: out.nextToken,
      };
    },
    async putRetentionPolicy(region, group, days) {
      const [{ PutRetentionPolicyCommand }, client] = await Promise.all([sdk(), make(region)]);
      await client.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: days }));
    },
  };
}

export function lightLogs(target: Omit<LightTarget, 'region'>): LogsApi {
  const call = (region: string, operation: string, payload: Record<string, unknown>) =>
    lightServiceCall(
      { ...target, region },
      { service: 'logs', target: `Logs_20140328.${operation}`, name: 'CloudWatch Logs' },
      payload,
    );
  return {
    async describeLogGroups(region, prefix, nextToken) {
      const out = await call(region, 'DescribeLogGroups', {
        logGroupNamePrefix: prefix,
        ...(nextToken ? { nextToken } : {}),
      });
      const groups =
        (out.logGroups as
          | Array<{ logGroupName: string; retentionInDays?: number; storedBytes?: number }>
          | undefined) ?? [];
      return {
        groups: groups.map((g) => ({
          name: g.logGroupName,
          retentionInDays: g.retentionInDays,
          storedBytes: g.storedBytes,
        })),
        nextToken: typeof out.nextToken === 'string' ? out.nextToken : undefined,
      };
    },
    async filterLogEvents(region, input) {
      const out = await call(region, 'FilterLogEvents', filterRequest(input));
      return {
        events: (out.events as Page['events'] | undefined) ?? [],
        nextToken: typeof out.nextToken === 'string' ? out.nextToken : undefined,
      };
    },
    async putRetentionPolicy(region, group, days) {
      await call(region, 'PutRetentionPolicy', { logGroupName: group, retentionInDays: days });
    },
  };
}

// CloudWatch Logs over AWS JSON 1.1 (Logs_20140328): log groups with their
// retention and tags, per region (what the stack creates for the rotation
// function), their streams and events (what functions write, and what
// `basicauth logs` and the AWS CLI read back: ./log-events.ts).

import { accountOf, type ServiceHost } from '../host.js';
import { definePlugin, ServiceError, type OperationInput, type ServicePlugin } from '../plugin.js';
import { LogEvents } from './log-events.js';

interface LogGroupState {
  name: string;
  region: string;
  created: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: string;
  tags: Record<string, string>;
}

export interface LogsState {
  groups: LogGroupState[];
}

const RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);
const notFound = () => new ServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
const invalid = (message: string) => new ServiceError('InvalidParameterException', message);

export class LogsService {
  readonly state: LogsState;
  readonly plugin: ServicePlugin;
  readonly events: LogEvents;

  constructor(private readonly host: ServiceHost) {
    this.state = host.store.slice<LogsState>('logs', () => ({ groups: [] }));
    this.events = new LogEvents(host.now);
    this.plugin = this.definePlugin();
  }

  /**
   * What a function's runtime does with a line it prints: into its group (made, without retention, when
   * missing, as Lambda does) and its stream (made when missing) in the region that ran it.
   */
  write(region: string, group: string, stream: string, message: string, timestamp = this.host.now()): void {
    if (!this.state.groups.some((g) => g.name === group && g.region === region)) {
      this.state.groups.push({ name: group, region, created: this.host.now(), logGroupClass: 'STANDARD', tags: {} });
      this.host.store.save();
    }
    const streams = this.events.streamsOf(region, group);
    if (!streams.has(stream)) this.events.createStream(region, group, stream);
    this.events.put(region, group, stream, [{ timestamp, message }]);
  }

  private arn(g: LogGroupState): string {
    return `arn:aws:logs:${g.region}:${accountOf(this.host)}:log-group:${g.name}`;
  }

  private group(i: OperationInput, key = 'logGroupName'): LogGroupState {
    const g = this.state.groups.find((x) => x.name === i[key] && x.region === i.$request.region);
    if (!g) throw notFound();
    return g;
  }

  private byArn(i: OperationInput): LogGroupState {
    const arn = String(i.resourceArn ?? '').replace(/:\*$/, '');
    const g = this.state.groups.find((x) => this.arn(x) === arn);
    if (!g) throw notFound();
    return g;
  }

  private definePlugin(): ServicePlugin {
    const save = () => this.host.store.save();
    return definePlugin({
      name: 'logs',
      terraformEndpoint: 'logs',
      // IAM's resource: a listing names no group; every other call, the group it names (in the region called)
      resourceOf: (operation, i) =>
        operation === 'DescribeLogGroups'
          ? `arn:aws:logs:${i.$request.region}:${accountOf(this.host)}:log-group:*`
          : typeof i.logGroupName === 'string'
            ? `arn:aws:logs:${i.$request.region}:${accountOf(this.host)}:log-group:${i.logGroupName}`
            : typeof i.logGroupIdentifier === 'string'
              ? i.logGroupIdentifier.startsWith('arn:')
                ? i.logGroupIdentifier.replace(/:\*$/, '')
                : `arn:aws:logs:${i.$request.region}:${accountOf(this.host)}:log-group:${i.logGroupIdentifier}`
              : typeof i.resourceArn === 'string'
                ? i.resourceArn.replace(/:\*$/, '')
                : '*',
      protocol: 'json',
      target: 'Logs_20140328',
      operations: {
        CreateLogGroup: (i) => {
          const name = String(i.logGroupName ?? '');
          if (!/^[\w/.#-]{1,512}$/.test(name))
            throw invalid(
              `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
            );
          if (this.state.groups.some((g) => g.name === name && g.region === i.$request.region)) {
            throw new ServiceError('ResourceAlreadyExistsException', 'The specified log group already exists');
          }
          this.state.groups.push({
            name,
            region: i.$request.region,
            created: this.host.now(),
            ...(typeof i.kmsKeyId === 'string' ? { kmsKeyId: i.kmsKeyId } : {}),
            logGroupClass: typeof i.logGroupClass === 'string' ? i.logGroupClass : 'STANDARD',
            tags: (i.tags as Record<string, string> | undefined) ?? {},
          });
          save();
          return {};
        },
        DeleteLogGroup: (i) => {
          const g = this.group(i);
          this.state.groups = this.state.groups.filter((x) => x !== g);
          this.events.dropGroup(g.region, g.name);
          save();
          return {};
        },
        DescribeLogGroups: (i) => {
          const prefix = typeof i.logGroupNamePrefix === 'string' ? i.logGroupNamePrefix : '';
          const pattern = typeof i.logGroupNamePattern === 'string' ? i.logGroupNamePattern : '';
          const all = this.state.groups
            .filter((g) => g.region === i.$request.region && g.name.startsWith(prefix) && g.name.includes(pattern))
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const start = typeof i.nextToken === 'string' ? Number(i.nextToken) : 0;
          const limit = typeof i.limit === 'number' ? i.limit : 50;
          const page = all.slice(start, start + limit);
          return {
            logGroups: page.map((g) => ({
              logGroupName: g.name,
              creationTime: g.created,
              ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
              metricFilterCount: 0,
              arn: `${this.arn(g)}:*`,
              storedBytes: 0,
              ...(g.kmsKeyId ? { kmsKeyId: g.kmsKeyId } : {}),
              logGroupClass: g.logGroupClass,
              logGroupArn: this.arn(g),
            })),
            ...(start + limit < all.length ? { nextToken: String(start + limit) } : {}),
          };
        },
        PutRetentionPolicy: (i) => {
          const g = this.group(i);
          if (!RETENTION_DAYS.has(Number(i.retentionInDays)))
            throw invalid(
              `1 validation error detected: Value '${String(i.retentionInDays)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...RETENTION_DAYS].join(', ')}]`,
            );
          g.retentionInDays = Number(i.retentionInDays);
          save();
          return {};
        },
        DeleteRetentionPolicy: (i) => {
          delete this.group(i).retentionInDays;
          save();
          return {};
        },
        ListTagsForResource: (i) => ({ tags: this.byArn(i).tags }),
        TagResource: (i) => {
          const g = this.byArn(i);
          g.tags = { ...g.tags, ...(i.tags as Record<string, string>) };
          save();
          return {};
        },
        UntagResource: (i) => {
          const g = this.byArn(i);
          for (const key of (i.tagKeys as string[] | undefined) ?? []) delete g.tags[key];
          save();
          return {};
        },
        ListTagsLogGroup: (i) => ({ tags: this.group(i).tags }),
        CreateLogStream: (i) => {
          const g = this.group(i);
          this.events.createStream(g.region, g.name, String(i.logStreamName ?? ''));
          return {};
        },
        DescribeLogStreams: (i) => {
          const g = this.group(i);
          const prefix = typeof i.logStreamNamePrefix === 'string' ? i.logStreamNamePrefix : '';
          if (prefix && i.orderBy === 'LastEventTime')
            throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
          const limit = typeof i.limit === 'number' ? i.limit : 50;
          if (!Number.isInteger(limit) || limit < 1 || limit > 50)
            throw invalid(
              `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50`,
            );
          const all = [...this.events.streamsOf(g.region, g.name)]
            .filter(([name]) => name.startsWith(prefix))
            .sort((a, b) =>
              i.orderBy === 'LastEventTime'
                ? (a[1].lastEventTimestamp ?? 0) - (b[1].lastEventTimestamp ?? 0)
                : a[0] < b[0]
                  ? -1
                  : 1,
            );
          if (i.descending === true) all.reverse();
          const start = typeof i.nextToken === 'string' ? Number(i.nextToken) : 0;
          const page = all.slice(start, start + limit);
          return {
            logStreams: page.map(([name, s]) => ({
              logStreamName: name,
              creationTime: s.created,
              ...(s.lastEventTimestamp !== undefined
                ? {
                    firstEventTimestamp: s.created,
                    lastEventTimestamp: s.lastEventTimestamp,
                    lastIngestionTime: s.lastEventTimestamp,
                  }
                : {}),
              arn: `${this.arn(g)}:log-stream:${name}`,
              storedBytes: 0,
            })),
            ...(start + limit < all.length ? { nextToken: String(start + limit) } : {}),
          };
        },
        PutLogEvents: (i) => {
          const g = this.group(i);
          const events = Array.isArray(i.logEvents)
            ? (i.logEvents as Array<{ timestamp: number; message: string }>)
            : [];
          return this.events.put(g.region, g.name, String(i.logStreamName ?? ''), events);
        },
        FilterLogEvents: (i) => {
          const identifier = typeof i.logGroupIdentifier === 'string' ? i.logGroupIdentifier : undefined;
          if (identifier !== undefined && i.logGroupName !== undefined)
            throw invalid('LogGroup name and LogGroup identifier are mutually exclusive parameters.');
          const g = identifier?.startsWith('arn:')
            ? this.state.groups.find((x) => this.arn(x) === identifier.replace(/:\*$/, ''))
            : this.state.groups.find(
                (x) => x.name === (identifier ?? i.logGroupName) && x.region === i.$request.region,
              );
          if (!g) throw notFound();
          const { events, nextToken } = this.events.filter(g.region, g.name, {
            ...(Array.isArray(i.logStreamNames) ? { streams: i.logStreamNames as string[] } : {}),
            ...(typeof i.logStreamNamePrefix === 'string' ? { streamPrefix: i.logStreamNamePrefix } : {}),
            ...(typeof i.startTime === 'number' ? { startTime: i.startTime } : {}),
            ...(typeof i.endTime === 'number' ? { endTime: i.endTime } : {}),
            ...(typeof i.filterPattern === 'string' ? { pattern: i.filterPattern } : {}),
            ...(typeof i.limit === 'number' ? { limit: i.limit } : {}),
            ...(typeof i.nextToken === 'string' ? { nextToken: i.nextToken } : {}),
          });
          // searchedLogStreams is deprecated: AWS answers it empty
          return { events, searchedLogStreams: [], ...(nextToken ? { nextToken } : {}) };
        },
      },
    });
  }
}

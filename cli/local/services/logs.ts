// CloudWatch Logs over AWS JSON 1.1 (Logs_20140328): log groups with their
// retention and tags, per region: what the stack creates for the rotation
// function.

import { accountOf, type ServiceHost } from '../host.js';
import { definePlugin, ServiceError, type OperationInput, type ServicePlugin } from '../plugin.js';

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

  constructor(private readonly host: ServiceHost) {
    this.state = host.store.slice<LogsState>('logs', () => ({ groups: [] }));
    this.plugin = this.definePlugin();
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
      },
    });
  }
}

// IAM over the query protocol: roles with inline and attached policies,
// managed policies with versions, tags. Global (ARNs carry no region). Policy
// documents are stored as given and returned URL-encoded, as IAM does.

import { randomBytes, randomInt } from 'node:crypto';
import { accountOf, type ServiceHost } from '../host.js';
import { definePlugin, ServiceError, type OperationInput, type ServicePlugin } from '../plugin.js';
import type { IamFacade, RoleSession } from '../services.js';
import type { Statement } from './iam-policy.js';

interface Tag {
  Key: string;
  Value: string;
}

interface RoleState {
  name: string;
  path: string;
  id: string;
  arn: string;
  created: number;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  inline: Record<string, string>;
  attached: string[];
}

interface PolicyVersionState {
  id: string;
  document: string;
  created: number;
}

interface PolicyState {
  name: string;
  path: string;
  id: string;
  arn: string;
  description?: string;
  created: number;
  updated: number;
  defaultVersion: string;
  versions: PolicyVersionState[];
  tags: Tag[];
}

export interface IamState {
  roles: RoleState[];
  policies: PolicyState[];
}

const noSuchEntity = (message: string) => new ServiceError('NoSuchEntity', message, 404);
const exists = (message: string) => new ServiceError('EntityAlreadyExists', message, 409);
const validation = (message: string) => new ServiceError('ValidationError', message, 400);
const iamId = (prefix: string) =>
  prefix + Array.from({ length: 17 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[randomInt(32)]).join('');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
// IAM returns documents URL-encoded (RFC 3986)
const encodeDocument = (doc: string) =>
  encodeURIComponent(doc).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function policyJson(text: unknown, what = 'policy document'): string {
  if (typeof text !== 'string' || !text.trim())
    throw new ServiceError('MalformedPolicyDocument', `The ${what} is missing.`);
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(text) as { Statement?: unknown };
  } catch {
    throw new ServiceError('MalformedPolicyDocument', `The ${what} is not valid JSON.`);
  }
  if (!doc || typeof doc !== 'object' || doc.Statement === undefined)
    throw new ServiceError('MalformedPolicyDocument', `Syntax errors in policy: the ${what} has no Statement.`);
  return text;
}

/** A policy document's statements (one or a list), for reading trust and identity policies. */
function statementsOf(document: string): Array<Statement & { Principal?: unknown }> {
  const doc = JSON.parse(document) as { Statement?: unknown };
  return (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(Boolean) as Array<
    Statement & { Principal?: unknown }
  >;
}

const name = (value: unknown, what: string) => {
  if (typeof value !== 'string' || !/^[\w+=,.@-]{1,128}$/.test(value))
    throw validation(
      `The specified value for ${what} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`,
    );
  return value;
};
const path = (value: unknown) => {
  const p = value === undefined ? '/' : String(value);
  if (!/^\/([\x21-\x7e]*\/)?$/.test(p)) throw validation('The specified value for path is invalid.');
  return p;
};
const tagsOf = (i: OperationInput): Tag[] =>
  ((i.Tags as Tag[] | undefined) ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
const mergeTags = (current: Tag[], add: Tag[]) => [...current.filter((t) => !add.some((a) => a.Key === t.Key)), ...add];

/** TagRole/TagPolicy and UntagRole/UntagPolicy: the same on any tagged resource, then saved. */
const tagging = (find: (i: OperationInput) => { tags: Tag[] }, save: () => void) => ({
  tag: (i: OperationInput) => {
    const resource = find(i);
    resource.tags = mergeTags(resource.tags, tagsOf(i));
    save();
    return undefined;
  },
  untag: (i: OperationInput) => {
    const resource = find(i);
    const keys = (i.TagKeys as string[] | undefined) ?? [];
    resource.tags = resource.tags.filter((t) => !keys.includes(t.Key));
    save();
    return undefined;
  },
});

export class IamService {
  readonly state: IamState;
  readonly plugin: ServicePlugin;

  constructor(private readonly host: ServiceHost) {
    this.state = host.store.slice<IamState>('iam', () => ({ roles: [], policies: [] }));
    this.plugin = this.definePlugin();
  }

  readonly facade: IamFacade = {
    roleTrusts: (roleArn, service) =>
      this.trustedBy(roleArn, (principal) =>
        ([] as string[])
          .concat((principal as { Service?: string | string[] } | undefined)?.Service ?? [])
          .includes(service),
      ),
    roleTrustsAccount: (roleArn) => {
      const account = accountOf(this.host);
      return this.trustedBy(roleArn, (principal) =>
        ([] as string[])
          .concat((principal as { AWS?: string | string[] } | undefined)?.AWS ?? [])
          .some((p) => p === account || p === `arn:aws:iam::${account}:root`),
      );
    },
    openSession: (roleArn, sessionName, seconds) => {
      const role = this.state.roles.find((r) => r.arn === roleArn);
      if (!role) throw noSuchEntity(`The role ${roleArn} cannot be found.`);
      const session: RoleSession = {
        accessKeyId: iamId('ASIA'),
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(48).toString('base64'),
        roleArn,
        assumedRoleArn: `arn:aws:sts::${accountOf(this.host)}:assumed-role/${role.name}/${sessionName}`,
        expires: this.host.now() + seconds * 1000,
      };
      this.sessions.set(session.accessKeyId, session);
      return session;
    },
    session: (accessKeyId) => {
      const session = this.sessions.get(accessKeyId);
      if (session && session.expires <= this.host.now()) this.sessions.delete(accessKeyId);
      return session && session.expires > this.host.now() ? session : undefined;
    },
    identityStatements: (roleArn) => {
      const role = this.state.roles.find((r) => r.arn === roleArn);
      if (!role) return [];
      const attached = role.attached.flatMap((arn) => {
        const policy = this.state.policies.find((p) => p.arn === arn);
        const version = policy?.versions.find((v) => v.id === policy.defaultVersion);
        return version ? [version.document] : [];
      });
      return [...Object.values(role.inline), ...attached].flatMap(statementsOf) as Statement[];
    },
  };

  /** Whether a role's trust policy lets a principal that `matches` assume it. */
  private trustedBy(roleArn: string, matches: (principal: unknown) => boolean): boolean {
    const role = this.state.roles.find((r) => r.arn === roleArn);
    if (!role) return false;
    return statementsOf(role.trustPolicy).some((s) => {
      const actions = ([] as string[]).concat(s.Action ?? []);
      return (
        s.Effect === 'Allow' && actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*') && matches(s.Principal)
      );
    });
  }

  /** Sessions live in memory: temporary credentials do not outlive the process that issued them. */
  private readonly sessions = new Map<string, RoleSession>();

  private role(value: unknown): RoleState {
    const role = this.state.roles.find((r) => r.name === value);
    if (!role) throw noSuchEntity(`The role with name ${String(value)} cannot be found.`);
    return role;
  }

  private policy(arn: unknown): PolicyState {
    const policy = this.state.policies.find((p) => p.arn === arn);
    if (!policy) throw noSuchEntity(`Policy ${String(arn)} does not exist or is not attachable.`);
    return policy;
  }

  private roleOut(r: RoleState) {
    return {
      Path: r.path,
      RoleName: r.name,
      RoleId: r.id,
      Arn: r.arn,
      CreateDate: iso(r.created),
      AssumeRolePolicyDocument: encodeDocument(r.trustPolicy),
      ...(r.description !== undefined ? { Description: r.description } : {}),
      MaxSessionDuration: r.maxSessionDuration,
      ...(r.tags.length ? { Tags: r.tags } : {}),
      RoleLastUsed: {},
    };
  }

  private policyOut(p: PolicyState) {
    return {
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.defaultVersion,
      AttachmentCount: this.state.roles.filter((r) => r.attached.includes(p.arn)).length,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      ...(p.description !== undefined ? { Description: p.description } : {}),
      CreateDate: iso(p.created),
      UpdateDate: iso(p.updated),
      ...(p.tags.length ? { Tags: p.tags } : {}),
    };
  }

  private definePlugin(): ServicePlugin {
    const save = () => this.host.store.save();
    const s = this.state;
    const roleTags = tagging((i) => this.role(i.RoleName), save);
    const policyTags = tagging((i) => this.policy(i.PolicyArn), save);
    return definePlugin({
      name: 'iam',
      terraformEndpoint: 'iam',
      protocol: 'query',
      target: 'https://iam.amazonaws.com/doc/2010-05-08/',
      operations: {
        CreateRole: (i) => {
          const roleName = name(i.RoleName, 'roleName');
          if (s.roles.some((r) => r.name.toLowerCase() === roleName.toLowerCase()))
            throw exists(`Role with name ${roleName} already exists.`);
          const p = path(i.Path);
          const role: RoleState = {
            name: roleName,
            path: p,
            id: iamId('AROA'),
            arn: `arn:aws:iam::${accountOf(this.host)}:role${p}${roleName}`,
            created: this.host.now(),
            trustPolicy: policyJson(i.AssumeRolePolicyDocument, 'assume role policy document'),
            ...(i.Description !== undefined ? { description: String(i.Description) } : {}),
            maxSessionDuration: i.MaxSessionDuration === undefined ? 3600 : Number(i.MaxSessionDuration),
            tags: tagsOf(i),
            inline: {},
            attached: [],
          };
          s.roles.push(role);
          save();
          return { Role: this.roleOut(role) };
        },
        GetRole: (i) => ({ Role: this.roleOut(this.role(i.RoleName)) }),
        ListRoles: () => ({ Roles: s.roles.map((r) => this.roleOut(r)), IsTruncated: false }),
        UpdateRole: (i) => {
          const role = this.role(i.RoleName);
          if (i.Description !== undefined) role.description = String(i.Description);
          if (i.MaxSessionDuration !== undefined) role.maxSessionDuration = Number(i.MaxSessionDuration);
          save();
          return {};
        },
        UpdateRoleDescription: (i) => {
          const role = this.role(i.RoleName);
          role.description = String(i.Description ?? '');
          save();
          return { Role: this.roleOut(role) };
        },
        UpdateAssumeRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          role.trustPolicy = policyJson(i.PolicyDocument, 'assume role policy document');
          save();
          return undefined;
        },
        DeleteRole: (i) => {
          const role = this.role(i.RoleName);
          if (Object.keys(role.inline).length || role.attached.length)
            throw new ServiceError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
          s.roles = s.roles.filter((r) => r !== role);
          save();
          return undefined;
        },
        ListRolePolicies: (i) => ({ PolicyNames: Object.keys(this.role(i.RoleName).inline), IsTruncated: false }),
        PutRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          role.inline[name(i.PolicyName, 'policyName')] = policyJson(i.PolicyDocument);
          save();
          return undefined;
        },
        GetRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          const doc = role.inline[String(i.PolicyName)];
          if (doc === undefined)
            throw noSuchEntity(`The role policy with name ${String(i.PolicyName)} cannot be found.`);
          return { RoleName: role.name, PolicyName: String(i.PolicyName), PolicyDocument: encodeDocument(doc) };
        },
        DeleteRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          if (role.inline[String(i.PolicyName)] === undefined)
            throw noSuchEntity(`The role policy with name ${String(i.PolicyName)} cannot be found.`);
          delete role.inline[String(i.PolicyName)];
          save();
          return undefined;
        },
        ListAttachedRolePolicies: (i) => ({
          AttachedPolicies: this.role(i.RoleName).attached.map((arn) => ({
            PolicyName: arn.split('/').at(-1),
            PolicyArn: arn,
          })),
          IsTruncated: false,
        }),
        AttachRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          this.policy(i.PolicyArn);
          if (!role.attached.includes(String(i.PolicyArn))) role.attached.push(String(i.PolicyArn));
          save();
          return undefined;
        },
        DetachRolePolicy: (i) => {
          const role = this.role(i.RoleName);
          if (!role.attached.includes(String(i.PolicyArn)))
            throw noSuchEntity(`Policy ${String(i.PolicyArn)} was not found.`);
          role.attached = role.attached.filter((a) => a !== i.PolicyArn);
          save();
          return undefined;
        },
        ListInstanceProfilesForRole: (i) => {
          this.role(i.RoleName); // NoSuchEntity when it does not exist
          return { InstanceProfiles: [], IsTruncated: false };
        },
        ListRoleTags: (i) => ({ Tags: this.role(i.RoleName).tags, IsTruncated: false }),
        TagRole: roleTags.tag,
        UntagRole: roleTags.untag,
        CreatePolicy: (i) => {
          const policyName = name(i.PolicyName, 'policyName');
          const p = path(i.Path);
          const arn = `arn:aws:iam::${accountOf(this.host)}:policy${p}${policyName}`;
          if (s.policies.some((x) => x.arn === arn))
            throw exists(`A policy called ${policyName} already exists. Duplicate names are not allowed.`);
          const now = this.host.now();
          const policy: PolicyState = {
            name: policyName,
            path: p,
            id: iamId('ANPA'),
            arn,
            ...(i.Description !== undefined ? { description: String(i.Description) } : {}),
            created: now,
            updated: now,
            defaultVersion: 'v1',
            versions: [{ id: 'v1', document: policyJson(i.PolicyDocument), created: now }],
            tags: tagsOf(i),
          };
          s.policies.push(policy);
          save();
          return { Policy: this.policyOut(policy) };
        },
        GetPolicy: (i) => ({ Policy: this.policyOut(this.policy(i.PolicyArn)) }),
        ListPolicies: () => ({ Policies: s.policies.map((p) => this.policyOut(p)), IsTruncated: false }),
        DeletePolicy: (i) => {
          const policy = this.policy(i.PolicyArn);
          if (s.roles.some((r) => r.attached.includes(policy.arn)))
            throw new ServiceError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
          if (policy.versions.length > 1)
            throw new ServiceError(
              'DeleteConflict',
              'Cannot delete a policy with non-default versions: delete them first.',
              409,
            );
          s.policies = s.policies.filter((p) => p !== policy);
          save();
          return undefined;
        },
        GetPolicyVersion: (i) => {
          const policy = this.policy(i.PolicyArn);
          const version = policy.versions.find((v) => v.id === i.VersionId);
          if (!version)
            throw noSuchEntity(
              `Policy ${policy.arn} version ${String(i.VersionId)} does not exist or is not attachable.`,
            );
          return {
            PolicyVersion: {
              Document: encodeDocument(version.document),
              VersionId: version.id,
              IsDefaultVersion: version.id === policy.defaultVersion,
              CreateDate: iso(version.created),
            },
          };
        },
        ListPolicyVersions: (i) => {
          const policy = this.policy(i.PolicyArn);
          return {
            Versions: [...policy.versions].reverse().map((v) => ({
              VersionId: v.id,
              IsDefaultVersion: v.id === policy.defaultVersion,
              CreateDate: iso(v.created),
            })),
            IsTruncated: false,
          };
        },
        CreatePolicyVersion: (i) => {
          const policy = this.policy(i.PolicyArn);
          if (policy.versions.length >= 5)
            throw new ServiceError(
              'LimitExceeded',
              'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
              409,
            );
          const number = policy.versions.reduce((n, v) => Math.max(n, Number(v.id.slice(1))), 0) + 1;
          const version = { id: `v${number}`, document: policyJson(i.PolicyDocument), created: this.host.now() };
          policy.versions.push(version);
          if (String(i.SetAsDefault) === 'true') policy.defaultVersion = version.id;
          policy.updated = version.created;
          save();
          return {
            PolicyVersion: {
              VersionId: version.id,
              IsDefaultVersion: version.id === policy.defaultVersion,
              CreateDate: iso(version.created),
            },
          };
        },
        DeletePolicyVersion: (i) => {
          const policy = this.policy(i.PolicyArn);
          if (i.VersionId === policy.defaultVersion)
            throw new ServiceError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
          if (!policy.versions.some((v) => v.id === i.VersionId))
            throw noSuchEntity(`Policy version ${String(i.VersionId)} does not exist.`);
          policy.versions = policy.versions.filter((v) => v.id !== i.VersionId);
          save();
          return undefined;
        },
        SetDefaultPolicyVersion: (i) => {
          const policy = this.policy(i.PolicyArn);
          if (!policy.versions.some((v) => v.id === i.VersionId))
            throw noSuchEntity(`Policy version ${String(i.VersionId)} does not exist.`);
          policy.defaultVersion = String(i.VersionId);
          save();
          return undefined;
        },
        ListEntitiesForPolicy: (i) => {
          const policy = this.policy(i.PolicyArn);
          const roles = s.roles
            .filter((r) => r.attached.includes(policy.arn))
            .map((r) => ({ RoleName: r.name, RoleId: r.id }));
          return { PolicyGroups: [], PolicyUsers: [], PolicyRoles: roles, IsTruncated: false };
        },
        ListPolicyTags: (i) => ({ Tags: this.policy(i.PolicyArn).tags, IsTruncated: false }),
        TagPolicy: policyTags.tag,
        UntagPolicy: policyTags.untag,
      },
    });
  }
}

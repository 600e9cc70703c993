// The team policies a deploy creates, proven enough and not too much: the local
// cloud runs with IAM evaluation on (`dev --enforce-iam`), the rotation and edge
// functions run under their own roles, and each command runs as a role that
// holds only the readers or only the operators policy (BASICAUTH_LOCAL_ROLE).
// A policy with one action removed makes the command that needs it fail,
// naming that action.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGet } from '../../handlers/shared/sigv4.js';
import { LOCAL_SIGNING } from '../../cli/local/credentials.js';
import { localRequest } from '../../cli/local/light-http.js';
import { startProject, type LocalProject } from '../helpers/local-project.js';
import { runCli } from '../helpers/run-cli.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let project: LocalProject;
let origin: Server;
let account: string;

/** An IAM query call with the account's own credentials (what an administrator does). */
async function iam(params: Record<string, string>): Promise<string> {
  const url = new URL(`${project.dev.info.endpoint}/?${new URLSearchParams({ Version: '2010-05-08', ...params })}`);
  const answer = await localRequest(url.href, {
    headers: signGet({ url, region: 'us-east-1', service: 'iam' }, LOCAL_SIGNING),
  });
  if (answer.status !== 200) throw new Error(`${params.Action}: ${answer.body}`);
  return answer.body;
}

const as = (role: string, ...args: string[]) =>
  runCli([...args, '--local'], { cwd: project.dir, env: { ...project.env, BASICAUTH_LOCAL_ROLE: role } });

/** The operators policy's document with some actions taken out, made its default version. */
async function operatorsWithout(...actions: string[]): Promise<void> {
  const arn = `arn:aws:iam::${account}:policy/team-basicauth-operators`;
  const current = /<DefaultVersionId>([^<]+)</.exec(await iam({ Action: 'GetPolicy', PolicyArn: arn }))![1]!;
  const encoded = /<Document>([^<]+)</.exec(
    await iam({ Action: 'GetPolicyVersion', PolicyArn: arn, VersionId: current }),
  )![1]!;
  const doc = JSON.parse(decodeURIComponent(encoded)) as { Statement: Array<{ Action: string | string[] }> };
  for (const s of doc.Statement) s.Action = ([] as string[]).concat(s.Action).filter((a) => !actions.includes(a));
  await iam({
    Action: 'CreatePolicyVersion',
    PolicyArn: arn,
    PolicyDocument: JSON.stringify(doc),
    SetAsDefault: 'true',
  });
}

beforeAll(async () => {
  if (!terraform) return;
  origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('origin'));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  project = await startProject(
    'team',
    {
      region: 'us-east-1',
      distribution: {
        mode: 'create',
        origin: { type: 'custom', domainName: 'localhost', protocol: 'http-only', httpPort: port },
      },
    },
    ['--enforce-iam'],
  );
});
afterAll(async () => {
  await project?.stop();
  origin?.close();
});

describe.skipIf(missing('terraform', terraform, why))('the team policies under IAM evaluation', () => {
  it('readers read, operators operate, each is refused the rest, and a missing action is named', {
    timeout: 900_000,
  } /* a budget for a loaded machine */, async () => {
    // Terraform deploys with the account's credentials; the rotation that makes the first password and the
    // edge that checks it run under their own roles, judged by the policies the stack gave them.
    const deployed = await project.json('deploy', '--yes');
    expect(deployed.code, deployed.stderr).toBe(0);
    account = String(deployed.body.outputs.secretArn).split(':')[4]!;
    const verified = await project.json('verify');
    expect(verified.code, verified.stderr).toBe(0);

    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    });
    for (const team of ['readers', 'operators']) {
      await iam({ Action: 'CreateRole', RoleName: `team-${team}`, AssumeRolePolicyDocument: trust });
      await iam({
        Action: 'AttachRolePolicy',
        RoleName: `team-${team}`,
        PolicyArn: `arn:aws:iam::${account}:policy/team-basicauth-${team}`,
      });
    }

    // readers: show-creds, status, verify, users list, logs (verify's requests made the edge's first log lines)
    for (const args of [
      ['show-creds', '--format', 'curl'],
      ['status'],
      ['verify'],
      ['users', 'list'],
      ['tokens', 'list'],
      ['logs', '--since', '1h'],
    ]) {
      const r = await as('team-readers', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // ... and nothing an operator does, each refusal naming the action and the policy that grants it
    for (const [args, action] of [
      [['rotate', '--now', '--yes'], 'secretsmanager:RotateSecret'],
      [['users', 'add', 'carol'], 'secretsmanager:(GetRandomPassword|PutSecretValue)'],
      [['tokens', 'create', 'monitor'], 'secretsmanager:PutSecretValue'],
      [['publish'], 'lambda:UpdateFunctionConfiguration'],
      [['detach', '--yes'], 'cloudfront:UpdateDistribution'],
      [['logs', '--retention', '7d'], 'logs:PutRetentionPolicy'],
    ] as const) {
      const r = await as('team-readers', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`not authorized to perform: ${action}`));
      expect(r.stderr).toMatch(
        /fix: the AWS identity in use may not .*: attach the <name>-basicauth-operators policy to it/,
      );
    }

    // operators: everything
    for (const args of [
      ['rotate', '--now', '--yes'],
      ['users', 'add', 'carol'],
      ['users', 'remove', 'carol'],
      ['tokens', 'create', 'monitor'],
      ['tokens', 'rotate', 'monitor'],
      ['tokens', 'revoke', 'monitor'],
      ['publish'],
      ['detach', '--yes'],
      ['attach'],
      ['verify'],
      ['logs', '--retention', '7d'],
    ]) {
      const r = await as('team-operators', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }

    // one action removed from the operators policy: the command that needs it fails and names it
    await operatorsWithout('lambda:EnableReplication*');
    const publish = await as('team-operators', 'publish');
    expect(publish.code, publish.stderr).toBe(1);
    expect(publish.stderr).toMatch(
      /not authorized to perform: lambda:EnableReplication\* on resource: arn:aws:lambda:us-east-1:\d+:function:team-edge-auth:\d+/,
    );
    await operatorsWithout('secretsmanager:RotateSecret');
    const rotate = await as('team-operators', 'rotate', '--now', '--yes');
    expect(rotate.code, rotate.stderr).toBe(1);
    expect(rotate.stderr).toMatch(/not authorized to perform: secretsmanager:RotateSecret/);
    // the site still serves: a refused change changed nothing
    expect((await project.json('verify')).code).toBe(0);
  });
});

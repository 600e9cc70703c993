// A Secrets Manager HTTP endpoint on 127.0.0.1 that answers GetSecretValue in
// the JSON 1.1 wire format, for running real edge bundles in tests and
// benchmarks. It records the region each request was signed for.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredVersion {
  versionId: string;
  value: string;
  created: number;
}

export interface EndpointCall {
  target: string;
  region: string | undefined;
  secretId: string;
  stage: string | undefined;
}

export class FakeSecretsEndpoint {
  readonly stages = new Map<string, StoredVersion>();
  readonly calls: EndpointCall[] = [];
  /** regions that answer 500, to exercise fallback */
  readonly downRegions = new Set<string>();
  private server: Server | undefined;
  private counter = 0;
  url = '';

  rotate(value: Record<string, unknown>): void {
    const current = this.stages.get('AWSCURRENT');
    if (current) this.stages.set('AWSPREVIOUS', current);
    this.stages.set('AWSCURRENT', {
      versionId: `version-${++this.counter}`,
      value: JSON.stringify(value),
      created: Date.now(),
    });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
        };
        const auth = req.headers.authorization ?? '';
        if (!auth.startsWith('AWS4-HMAC-SHA256 '))
          return reply(400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
        const region = /Credential=[^/]+\/\d+\/([^/]+)\/secretsmanager\//.exec(auth)?.[1];
        const target = String(req.headers['x-amz-target'] ?? '');
        const input = JSON.parse(body || '{}') as { SecretId: string; VersionStage?: string };
        this.calls.push({ target, region, secretId: input.SecretId, stage: input.VersionStage });
        if (region && this.downRegions.has(region))
          return reply(500, { __type: 'InternalServiceError', message: 'down' });
        if (target !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'UnknownOperationException' });
        const version = this.stages.get(input.VersionStage ?? 'AWSCURRENT');
        if (!version) {
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret value for staging label",
          });
        }
        reply(200, {
          ARN: `arn:aws:secretsmanager:${region}:123456789012:secret:${input.SecretId}-AbCdEf`,
          Name: input.SecretId,
          VersionId: version.versionId,
          SecretString: version.value,
          VersionStages: [input.VersionStage ?? 'AWSCURRENT'],
          CreatedDate: version.created / 1000,
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

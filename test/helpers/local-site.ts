// A protected local site in one process: the local cloud, a secret, the real
// edge bundle published and associated, an origin that counts what reaches
// it, and the local edge in front. For the fault suite.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PublishVersionCommand } from '@aws-sdk/client-lambda';
import { distributionConfigXml } from '../../cli/local/cloudfront-config.js';
import { LocalEdge } from '../../cli/local/edge.js';
import { startTestCloud, testBundle, type TestCloud } from './local-cloud.js';

export interface LocalSite {
  t: TestCloud;
  edge: LocalEdge;
  originHits: { count: number };
  rotateArn: string;
  stop(): Promise<void>;
}

export async function startLocalSite(options: { instances?: number; edge?: Record<string, unknown>; value: Record<string, unknown> }): Promise<LocalSite> {
  const originHits = { count: 0 };
  const origin: Server = createServer((req, res) => {
    originHits.count++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('origin');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const t = await startTestCloud({ instances: options.instances ?? 1, faultInjection: true });
  await t.sm.send(new CreateSecretCommand({ Name: 'basicauth/test', SecretString: JSON.stringify(options.value) }));
  const edgeBundle = await testBundle('edge-auth', options.edge);
  t.cloud.lambda.putFunction({ name: 'edge', code: edgeBundle.code, zip: edgeBundle.zip, timeout: 5 });
  const rotateBundle = await testBundle('rotate');
  const rotateArn = t.cloud.lambda.putFunction({ name: 'rotate', code: rotateBundle.code, zip: rotateBundle.zip, timeout: 30 }).fn.arn;
  const { Version } = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'edge' }));
  const d = t.cloud.cloudfront.createDistribution(
    distributionConfigXml({
      callerReference: 'site',
      comment: '',
      origin: { domainName: '127.0.0.1', protocol: 'http', port: (origin.address() as AddressInfo).port },
      viewerRequestArn: `arn:aws:lambda:us-east-1:000000000000:function:edge:${Version}`,
    }),
  );
  const edge = await LocalEdge.start({ cloud: t.cloud, distributionId: d.id, port: 0 });
  return {
    t,
    edge,
    originHits,
    rotateArn,
    async stop() {
      await edge.stop();
      await t.stop();
      origin.closeAllConnections();
      await new Promise((r) => origin.close(r));
    },
  };
}

// A protected local site in one process, set up by the same provisioning as
// `basicauth dev`: the local cloud, a secret with a known value, the real edge
// and rotation bundles, an origin that counts what reaches it, and the local
// edge in front. For the fault suite.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalEdge } from '../../cli/local/edge.js';
import type { LocalEvent } from '../../cli/local/events.js';
import { provisionSite } from '../../cli/local/site.js';
import { bundleFunction } from '../../stacks/function-bundle.js';
import { startTestCloud, testBundle, type TestCloud } from './local-cloud.js';

export interface LocalSite {
  t: TestCloud;
  edge: LocalEdge;
  originHits: { count: number };
  rotateArn: string;
  stop(): Promise<void>;
}

export async function startLocalSite(options: {
  instances?: number;
  /** default lambda-edge */
  engine?: 'lambda-edge' | 'cloudfront-function';
  edge?: Record<string, unknown>;
  value: Record<string, unknown>;
  rotate?: boolean;
  /** every event of the local cloud (function logs, label moves), as it happens */
  onEvent?: (event: LocalEvent) => void;
}): Promise<LocalSite> {
  const originHits = { count: 0 };
  const origin: Server = createServer((req, res) => {
    originHits.count++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('origin');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const t = await startTestCloud({
    instances: options.instances ?? 1,
    faultInjection: true,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const functionEngine = options.engine === 'cloudfront-function';
  const [edgeBundle, rotateBundle] = await Promise.all([
    functionEngine
      ? bundleFunction({ secretId: 'basicauth/test', secretRegion: 'us-east-1', ...options.edge })
      : testBundle('edge-auth', options.edge),
    testBundle('rotate'),
  ]);
  const site = await provisionSite(t.cloud, {
    secretName: 'basicauth/test',
    initialValue: options.value,
    ...('zip' in edgeBundle
      ? { edgeFunction: { name: 'edge', zip: edgeBundle.zip } }
      : {
          cloudFrontFunction: {
            name: 'edge',
            code: edgeBundle.code,
            keyValueStoreName: 'edge-digests',
            graceSeconds: edgeBundle.edgeConfig.graceSeconds,
          },
        }),
    ...(options.rotate === false ? {} : { rotateFunction: { name: 'rotate', zip: rotateBundle.zip } }),
    callerReference: 'site',
    origin: { domainName: '127.0.0.1', protocol: 'http', port: (origin.address() as AddressInfo).port },
  });
  await t.cloud.secretsManager.settled(); // enabling rotation on a secret with a value probes with testSecret
  const edge = await LocalEdge.start({ cloud: t.cloud, distributionId: site.distributionId, port: 0 });
  return {
    t,
    edge,
    originHits,
    rotateArn: site.rotateFunctionArn ?? '',
    async stop() {
      await edge.stop();
      await t.stop();
      origin.closeAllConnections();
      await new Promise((r) => origin.close(r));
    },
  };
}

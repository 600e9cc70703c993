// A CloudFront KeyValueStore data-plane client. The API is signed with SigV4A
// (the signer registers itself on import) and its endpoint is
// `<account>.cloudfront-kvs.global.api.aws`: the SDK's endpoint rules put the
// account in front of any endpoint it is given, so against the local cloud the
// host is `<account>.localhost`. RFC 6761 makes every *.localhost name a
// loopback name, but glibc does not resolve them here: loopback endpoints get
// a lookup that does, and the request stays what the SDK sends to AWS.

import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'node:http';

type Env = Readonly<Record<string, string | undefined>>;

export interface KvsClientOptions {
  /** an endpoint override; else the one the SDK would read (AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE, AWS_ENDPOINT_URL) */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  profile?: string;
  region?: string;
}

/** A loopback endpoint as `localhost`, which the SDK can put the account in front of. */
function endpointOf(options: KvsClientOptions, env: Env): string | undefined {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE ?? env.AWS_ENDPOINT_URL;
  if (!endpoint) return undefined;
  const url = new URL(endpoint);
  if (url.hostname === '127.0.0.1' || url.hostname === '[::1]') url.hostname = 'localhost';
  return url.hostname === 'localhost' ? url.origin : endpoint;
}

function loopbackLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback as never);
}

export function createKvsClient(options: KvsClientOptions = {}, env: Env = process.env): CloudFrontKeyValueStoreClient {
  const endpoint = endpointOf(options, env);
  const local = endpoint !== undefined && new URL(endpoint).hostname === 'localhost';
  return new CloudFrontKeyValueStoreClient({
    region: options.region ?? env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(local
      ? { requestHandler: { httpAgent: new Agent({ keepAlive: true, lookup: loopbackLookup as never }) } }
      : {}),
  });
}

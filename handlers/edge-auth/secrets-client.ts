// GetSecretValue and DescribeSecret signed by our SigV4 (handlers/shared/sigv4.ts)
// and sent with node:http(s): a few KB of code and no undici, the cheapest
// cold start of the clients measured in bench/edge-cold-start.ts. At the edge
// that matters: a quiet dev site cold-starts often. node:https is loaded for
// an https endpoint only (AWS's are; the local cloud's is http).

import * as http from 'node:http';
import type * as https from 'node:https';
import type { EdgeAuthConfig } from './config.js';
import type { SecretSource } from './secret-cache.js';
import type { Deadline } from './deadline.js';
import { credentialsFrom, parseGetSecretValue, parseLastRotated, regionalSource, secretsManagerEndpoint, type Env } from './secrets-endpoint.js';
import { signJsonPost } from '../shared/sigv4.js';

interface Transport {
  request: typeof http.request;
  /** kept-alive connections save the TLS handshake on every TTL refresh */
  agent: http.Agent;
}

let plain: Transport | undefined;
let tls: Promise<Transport> | undefined;
function transportFor(protocol: string): Transport | Promise<Transport> {
  if (protocol === 'http:') {
    plain ??= { request: http.request, agent: new http.Agent({ keepAlive: true }) };
    return plain;
  }
  tls ??= import('node:https').then((m: typeof https) => ({ request: m.request as typeof http.request, agent: new m.Agent({ keepAlive: true }) }));
  return tls;
}

interface Answer {
  status: number;
  text: string;
}

function post(url: URL, headers: Record<string, string>, body: string, deadline: Deadline): Promise<Answer> {
  const transport = transportFor(url.protocol);
  // http's transport is there at once: no await, so the request leaves in this tick
  return transport instanceof Promise ? transport.then((t) => send(t, url, headers, body, deadline, false)) : send(transport, url, headers, body, deadline, false);
}

function send(transport: Transport, url: URL, headers: Record<string, string>, body: string, deadline: Deadline, retried: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // The deadline is watched here rather than passed as a `signal`: Node's
    // stream plumbing for that costs ~1.5 ms at the first request.
    const req = transport.request(url, { method: 'POST', headers, agent: transport.agent }, (res: http.IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        stopWatching();
        resolve({ status: res.statusCode ?? 0, text });
      });
      res.on('error', (error) => {
        stopWatching();
        reject(error);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      stopWatching();
      // A kept-alive socket may have been closed while the container was
      // frozen; Node's documented answer is to retry once on a fresh one.
      if (req.reusedSocket && !retried && !deadline.passed && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        send(transport, url, headers, body, deadline, true).then(resolve, reject);
      } else {
        reject(error);
      }
    });
    const stopWatching = deadline.onPass((reason) => req.destroy(reason));
    req.end(body);
  });
}

export function createSecretsClient(config: EdgeAuthConfig, env: Env): SecretSource {
  const call = async (region: string, operation: 'GetSecretValue' | 'DescribeSecret', payload: Record<string, string>, deadline: Deadline): Promise<Answer> => {
    const url = new URL(secretsManagerEndpoint(region, env));
    const body = JSON.stringify(payload);
    const headers = signJsonPost({ url, region, service: 'secretsmanager', target: `secretsmanager.${operation}`, body }, credentialsFrom(env));
    return post(url, headers, body, deadline);
  };
  return regionalSource(config, env, {
    get: async (region, secretId, stage, deadline) => {
      const answer = await call(region, 'GetSecretValue', { SecretId: secretId, VersionStage: stage }, deadline);
      return parseGetSecretValue(region, answer.status, answer.text);
    },
    lastRotated: async (region, secretId, deadline) => {
      const answer = await call(region, 'DescribeSecret', { SecretId: secretId }, deadline);
      return parseLastRotated(region, answer.status, answer.text);
    },
  });
}

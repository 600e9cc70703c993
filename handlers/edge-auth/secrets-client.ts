// GetSecretValue signed with SigV4 by aws4 and sent with node:http(s): a few
// KB of code and no undici, the cheapest cold start of the clients measured
// in bench/edge-cold-start.ts. At the edge that matters: a quiet dev site
// cold-starts often.

import aws4 from 'aws4';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { EdgeAuthConfig } from './config.js';
import type { SecretSource } from './secret-cache.js';
import { credentialsFrom, parseGetSecretValue, parseLastRotated, regionalSource, secretsManagerEndpoint, type Env } from './secrets-endpoint.js';

// Kept-alive connections save the TLS handshake on every TTL refresh.
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

interface Answer {
  status: number;
  text: string;
}

function post(url: URL, headers: Record<string, string | number>, body: string, signal: AbortSignal, retried = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(url, { method: 'POST', headers, agent: agents[url.protocol as 'http:' | 'https:'], signal }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket may have been closed while the container was
      // frozen; Node's documented answer is to retry once on a fresh one.
      if (req.reusedSocket && !retried && !signal.aborted && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        post(url, headers, body, signal, true).then(resolve, reject);
      } else {
        reject(error);
      }
    });
    req.end(body);
  });
}

export function createSecretsClient(config: EdgeAuthConfig, env: Env): SecretSource {
  const call = async (region: string, operation: 'GetSecretValue' | 'DescribeSecret', payload: Record<string, string>, signal: AbortSignal): Promise<Answer> => {
    const url = new URL(secretsManagerEndpoint(region, env));
    const body = JSON.stringify(payload);
    const signed = aws4.sign(
      {
        host: url.host,
        path: url.pathname,
        method: 'POST',
        service: 'secretsmanager',
        region,
        body,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `secretsmanager.${operation}` },
      },
      credentialsFrom(env),
    );
    return post(url, signed.headers as Record<string, string | number>, body, signal);
  };
  return regionalSource(config, env, {
    get: async (region, secretId, stage, signal) => {
      const answer = await call(region, 'GetSecretValue', { SecretId: secretId, VersionStage: stage }, signal);
      return parseGetSecretValue(region, answer.status, answer.text);
    },
    lastRotated: async (region, secretId, signal) => {
      const answer = await call(region, 'DescribeSecret', { SecretId: secretId }, signal);
      return parseLastRotated(region, answer.status, answer.text);
    },
  });
}

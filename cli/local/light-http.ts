// Requests to the local cloud over node:http, without fetch(): the first
// fetch() in a process loads undici (~25 ms), a tenth of a whole
// `show-creds --local`. Only for 127.0.0.1 endpoints `basicauth dev` runs.

import { request } from 'node:http';

export interface LocalAnswer {
  status: number;
  body: string;
}

/** One request with a deadline; rejects with the connection error (ECONNREFUSED…) or a timeout. */
export function localRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<LocalAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 2000, () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? 2000} ms`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET that answers the parsed JSON body of a 2xx, or undefined for anything else (including no answer). */
export async function localJson<T>(url: string, timeoutMs = 2000): Promise<T | undefined> {
  try {
    const answer = await localRequest(url, { timeoutMs });
    return answer.status >= 200 && answer.status < 300 ? (JSON.parse(answer.body) as T) : undefined;
  } catch {
    return undefined;
  }
}

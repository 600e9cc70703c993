// The page `basicauth dev` serves when no --origin is given: it shows that
// the request got through and what the origin received.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class DemoOrigin {
  url = '';
  private constructor(private readonly server: Server) {}

  static async start(): Promise<DemoOrigin> {
    const server = createServer((req, res) => {
      const received = Object.entries(req.headers)
        .map(([name, value]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(String(value))}</td></tr>`)
        .join('');
      const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>basicauth demo origin</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem}td{padding:.1rem .8rem .1rem 0;vertical-align:top}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body><h1>You are in.</h1>
<p>This page is the demo origin of <code>basicauth dev</code>. Your request passed the edge function's Basic auth check and reached the origin.</p>
<p>Request: <code>${escapeHtml(req.method ?? '')} ${escapeHtml(req.url ?? '')}</code></p>
<h2>Headers the origin received</h2><table>${received}</table>
<p>No <code>authorization</code> above: the edge removes it before the origin (<code>stripAuthorization</code>).</p>
</body></html>
`;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = new DemoOrigin(server);
    origin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return origin;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

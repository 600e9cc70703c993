// Local edge throughput and latency under wrk, against the same origin behind
// nginx auth_basic with a {SHA} entry (one SHA-1 per request: nginx's
// cheapest check) and with an apr1 entry (1,000 MD5 rounds), and behind a
// bare Node reverse proxy (no auth: this runtime's own ceiling). Rounds are
// interleaved: each round runs every target once, in turn. Debian packages
// wrk, nginx, apache2-utils. Everything starts and stops here, on 127.0.0.1.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevProcess } from '../test/helpers/dev-process.js';
import { runCli } from '../test/helpers/run-cli.js';
import { load, run, spread, type Spread } from './lib.js';

interface WrkRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface ThroughputFigures {
  target: string;
  requestsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  non2xx: number;
}

export type ThroughputResult =
  | { ok: true; figures: ThroughputFigures[]; settings: string; rounds: number; load: string }
  | { ok: false; reason: string };

const DURATION = '5s';
const ROUNDS = 3;
const THREADS = '2';
const CONNECTIONS = '32';

async function which(cmd: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${cmd}`])).code === 0;
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(url: string, authorization: string): Promise<WrkRun> {
  const out = await run('wrk', [
    '-t',
    THREADS,
    '-c',
    CONNECTIONS,
    '-d',
    DURATION,
    '--latency',
    '-H',
    `Authorization: ${authorization}`,
    url,
  ]);
  if (out.code !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(out.stdout)?.[1] ?? ''),
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(out.stdout)?.[1] ?? ''),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0),
  };
}

function startProcess(command: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const onData = (c: Buffer) => {
      text += c;
      const m = ready.exec(text);
      if (m) resolve({ child, line: m[0] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${text}`)));
  });
}

// One process, keep-alive to the origin, streams both ways: what any Node proxy pays before doing any work.
const NODE_PROXY = `
const http = require('http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const port = Number(process.argv[1]);
const server = http.createServer((req, res) => {
  const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (o) => {
    res.writeHead(o.statusCode, o.headers);
    o.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => console.log('port=' + server.address().port));
`;

export async function edgeThroughput(): Promise<ThroughputResult> {
  for (const tool of ['wrk', 'nginx', 'htpasswd']) {
    if (!(await which(tool)))
      return { ok: false, reason: `${tool} is not installed (apt-get install wrk nginx-light apache2-utils)` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'basicauth-wrk-'));
  const stops: Array<() => void> = [];
  try {
    const origin = await startProcess(
      process.execPath,
      [
        '-e',
        "const s=require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'text/plain','content-length':5});r.end('hello')});s.listen(0,'127.0.0.1',()=>console.log('port='+s.address().port))",
      ],
      /port=(\d+)/,
    );
    stops.push(() => origin.child.kill());
    const originPort = Number(/port=(\d+)/.exec(origin.line)![1]);

    const dev = await startDevProcess(join(dir, 'state'), ['--origin', `http://127.0.0.1:${originPort}`], { cwd: dir });
    stops.push(() => dev.child.kill('SIGKILL'));
    const creds = (
      await runCli(['show-creds', '--local', '--state-dir', join(dir, 'state'), '--format', 'curl'])
    ).stdout.trim();
    const authorization = `Basic ${Buffer.from(creds).toString('base64')}`;

    const [user, password] = creds.split(/:(.*)/s) as [string, string];
    for (const [file, flag] of [
      ['htpasswd-apr1', '-m'],
      ['htpasswd-sha', '-s'],
    ] as const) {
      const htpasswd = await run('htpasswd', ['-b', '-c', flag, join(dir, file), user, password]);
      if (htpasswd.code !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    }
    // nginx's workers drop root: they must be able to read the password files
    await chmod(dir, 0o755);
    await chmod(join(dir, 'htpasswd-apr1'), 0o644);
    await chmod(join(dir, 'htpasswd-sha'), 0o644);
    const shaPort = 20_000 + Math.floor(Math.random() * 20_000);
    const apr1Port = shaPort + 1;
    const server = (port: number, file: string) =>
      `  server {\n    listen 127.0.0.1:${port};\n    auth_basic "bench";\n    auth_basic_user_file ${dir}/${file};\n    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n`;
    await writeFile(
      join(dir, 'nginx.conf'),
      `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  upstream origin { server 127.0.0.1:${originPort}; keepalive 32; }\n${server(shaPort, 'htpasswd-sha')}${server(apr1Port, 'htpasswd-apr1')}}\n`,
    );
    const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', `${dir}/`, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    stops.push(() => nginx.kill());
    const proxy = await startProcess(process.execPath, ['-e', NODE_PROXY, String(originPort)], /port=(\d+)/);
    stops.push(() => proxy.child.kill());
    const targets: Array<[string, string]> = [
      ['basicauth local edge (the Lambda@Edge handler in a worker)', dev.info.edgeUrl],
      ['nginx auth_basic, {SHA} entry', `http://127.0.0.1:${shaPort}/`],
      ['nginx auth_basic, apr1 entry', `http://127.0.0.1:${apr1Port}/`],
      ['bare Node reverse proxy, no auth (ceiling)', `http://127.0.0.1:${/port=(\d+)/.exec(proxy.line)![1]}/`],
    ];
    for (const [name, url] of targets) {
      for (let i = 0; ; i++) {
        const status = await fetch(url, { headers: { authorization } }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        if (i > 100) {
          const log = await import('node:fs/promises')
            .then((fs) => fs.readFile(join(dir, 'error.log'), 'utf8'))
            .catch(() => '');
          throw new Error(`${name} did not answer 200 (last: ${status}): ${log.split('\n').slice(-3).join(' ')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const before = load();
    const runs = new Map<string, WrkRun[]>(targets.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of targets) runs.get(name)!.push(await wrk(url, authorization));
    }
    return {
      ok: true,
      rounds: ROUNDS,
      load: `${before} before, ${load()} after`,
      settings: `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION} per run, ${ROUNDS} interleaved rounds, valid credentials, 5-byte origin response; basicauth dev with 1 edge instance; nginx 1 worker with upstream keepalive; the Node proxy is one process with a keep-alive agent`,
      figures: targets.map(([name]) => {
        const r = runs.get(name)!;
        return {
          target: name,
          requestsPerSecond: spread(r.map((x) => x.requestsPerSecond)),
          p50Ms: spread(r.map((x) => x.p50Ms)),
          p99Ms: spread(r.map((x) => x.p99Ms)),
          non2xx: r.reduce((n, x) => n + x.non2xx, 0),
        };
      }),
    };
  } finally {
    for (const stop of stops.reverse()) stop();
    await rm(dir, { recursive: true, force: true });
  }
}

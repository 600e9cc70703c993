// Local edge throughput and latency under wrk, against the same origin behind
// nginx auth_basic on this machine (Debian packages wrk, nginx, apache2-utils).
// Everything starts and stops here, on 127.0.0.1.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevProcess } from '../test/helpers/dev-process.js';
import { runCli } from '../test/helpers/run-cli.js';
import { run } from './lib.js';

export interface ThroughputFigures {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export type ThroughputResult = { ok: true; figures: ThroughputFigures[]; settings: string } | { ok: false; reason: string };

const DURATION = '10s';
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

async function wrk(url: string, authorization: string): Promise<Omit<ThroughputFigures, 'target'>> {
  const out = await run('wrk', ['-t', THREADS, '-c', CONNECTIONS, '-d', DURATION, '--latency', '-H', `Authorization: ${authorization}`, url]);
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

export async function edgeThroughput(): Promise<ThroughputResult> {
  for (const tool of ['wrk', 'nginx', 'htpasswd']) {
    if (!(await which(tool))) return { ok: false, reason: `${tool} is not installed (apt-get install wrk nginx-light apache2-utils)` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'basicauth-wrk-'));
  const stops: Array<() => void> = [];
  try {
    const origin = await startProcess(
      process.execPath,
      ['-e', "const s=require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'text/plain','content-length':5});r.end('hello')});s.listen(0,'127.0.0.1',()=>console.log('port='+s.address().port))"],
      /port=(\d+)/,
    );
    stops.push(() => origin.child.kill());
    const originPort = Number(/port=(\d+)/.exec(origin.line)![1]);

    const dev = await startDevProcess(join(dir, 'state'), ['--origin', `http://127.0.0.1:${originPort}`], { cwd: dir });
    stops.push(() => dev.child.kill('SIGKILL'));
    const creds = (await runCli(['show-creds', '--local', '--state-dir', join(dir, 'state'), '--format', 'curl'])).stdout.trim();
    const authorization = `Basic ${Buffer.from(creds).toString('base64')}`;

    const [user, password] = creds.split(/:(.*)/s) as [string, string];
    const htpasswd = await run('htpasswd', ['-b', '-c', '-m', join(dir, 'htpasswd'), user, password]);
    if (htpasswd.code !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    // nginx's workers drop root: they must be able to read the password file
    await chmod(dir, 0o755);
    await chmod(join(dir, 'htpasswd'), 0o644);
    const nginxPort = 20_000 + Math.floor(Math.random() * 20_000);
    await writeFile(
      join(dir, 'nginx.conf'),
      `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  upstream origin { server 127.0.0.1:${originPort}; keepalive 32; }\n  server {\n    listen 127.0.0.1:${nginxPort};\n    auth_basic "bench";\n    auth_basic_user_file ${dir}/htpasswd;\n    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n}\n`,
    );
    const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', `${dir}/`, '-g', 'daemon off;'], { stdio: 'ignore' });
    stops.push(() => nginx.kill());
    const nginxUrl = `http://127.0.0.1:${nginxPort}/`;
    for (let i = 0; ; i++) {
      const ok = await fetch(nginxUrl, { headers: { authorization } }).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (i > 100) {
        const log = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'error.log'), 'utf8')).catch(() => '');
        throw new Error(`nginx did not come up: ${log.split('\n').slice(-3).join(' ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if ((await fetch(dev.info.edgeUrl, { headers: { authorization } })).status !== 200) throw new Error('the local edge refused the credentials');
    const ours = await wrk(dev.info.edgeUrl, authorization);
    const theirs = await wrk(nginxUrl, authorization);
    return {
      ok: true,
      settings: `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}, valid credentials, 5-byte origin response; basicauth dev with 1 instance; nginx 1 worker, auth_basic with an htpasswd -m (apr1) entry, upstream keepalive`,
      figures: [
        { target: 'basicauth local edge (Lambda@Edge handler in a worker)', ...ours },
        { target: 'nginx auth_basic', ...theirs },
      ],
    };
  } finally {
    for (const stop of stops.reverse()) stop();
    await rm(dir, { recursive: true, force: true });
  }
}

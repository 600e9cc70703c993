// The local dashboard of `basicauth dev`: one page at /_local/dashboard that
// shows what the system is doing, updated live over server-sent events. The
// site, the secret's versions and stages with dates, the schedule and the last
// rotation's result, each edge instance with the secret version it holds and
// how old that is, and the last decisions. Never a password: it reads version
// ids, labels and dates from the local cloud, and what the edge instances
// log (their `secret.fetch` lines carry no value).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeRotationRules } from '../../handlers/shared/schedule.js';
import { META_KEY, parseMeta } from '../../handlers/shared/kvs-digests.js';
import type { LocalCloud } from './cloud.js';
import type { EdgeRequestLine } from './edge.js';
import type { EdgeSite } from './edges.js';
import type { LocalEvent } from './events.js';

const DECISIONS_KEPT = 40;
const PUSH_EVERY_MS = 250;

export interface DashboardState {
  generatedAt: string;
  sites: EdgeSite[];
  secrets: Array<{
    name: string;
    arn: string;
    schedule: string | undefined;
    rotationEnabled: boolean;
    lastRotated: string | undefined;
    nextRotation: string | undefined;
    lastRotation:
      | {
          token: string;
          startedAt: string;
          result: 'running' | 'succeeded' | 'failed';
          step: string | undefined;
          error: string | undefined;
        }
      | undefined;
    versions: Array<{ versionId: string; stages: string[]; created: string }>;
  }>;
  instances: Array<{
    label: string;
    function: string;
    version: string;
    /** the distributions (sites) whose behaviors run this function version */
    sites: string[];
    holds: string | undefined;
    fetchedAt: string | undefined;
    ageSeconds: number | undefined;
    lastCause: string | undefined;
  }>;
  decisions: Array<EdgeRequestLine & { at: string; token?: string }>;
}

/** A decision line names a bypass token: joined to the edge's line of the same request (method and path, within seconds). */
const TOKEN_JOIN_MS = 5000;

export class Dashboard {
  private readonly fetches = new Map<string, { versionId: string; at: number; cause: string | undefined }>();
  private readonly decisions: Array<EdgeRequestLine & { at: string; token?: string }> = [];
  /** token names of decisions whose request the edge has not reported yet (a function logs before it answers) */
  private readonly tokenNames: Array<{ method: string; path: string; token: string; at: number }> = [];
  private readonly clients = new Set<ServerResponse>();
  private pushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly cloud: LocalCloud,
    private readonly sites: () => EdgeSite[],
  ) {
    this.unsubscribe = cloud.on((event) => this.onEvent(event));
  }

  /** Each request the local edges answered. */
  request(line: EdgeRequestLine): void {
    const now = Date.now();
    const named = this.tokenNames.findIndex(
      (t) => t.method === line.method && t.path === line.uri && now - t.at < TOKEN_JOIN_MS,
    );
    const token = named === -1 ? undefined : this.tokenNames.splice(named, 1)[0]?.token;
    this.decisions.unshift({
      ...line,
      ms: Math.round(line.ms * 10) / 10,
      at: new Date(now).toISOString(),
      ...(token ? { token } : {}),
    });
    this.decisions.length = Math.min(this.decisions.length, DECISIONS_KEPT);
    this.changed();
  }

  private onEvent(event: LocalEvent): void {
    if (event.type === 'function.log' && event.line.includes('"token":')) this.tokenDecision(event.line);
    if (event.type === 'function.log') {
      // only the edge's own structured fetch lines; anything else a function prints is not read
      if (!event.line.startsWith('{') || !event.line.includes('"secret.fetch"')) return;
      try {
        const line = JSON.parse(event.line) as { event?: string; versionId?: unknown; cause?: unknown };
        if (line.event === 'secret.fetch' && typeof line.versionId === 'string') {
          this.fetches.set(event.label, {
            versionId: line.versionId,
            at: Date.now(),
            cause: typeof line.cause === 'string' ? line.cause : undefined,
          });
        }
      } catch {
        return;
      }
    }
    if (
      event.type === 'function.log' ||
      event.type === 'secret.stage' ||
      event.type === 'rotation' ||
      event.type === 'distribution' ||
      event.type === 'key-value-store'
    )
      this.changed();
  }

  /** A decision made with a bypass token: its name (never its value) goes beside the request it decided. */
  private tokenDecision(text: string): void {
    let line: { event?: unknown; token?: unknown; method?: unknown; path?: unknown };
    try {
      line = JSON.parse(text.slice(text.indexOf('{'))) as typeof line;
    } catch {
      return;
    }
    if (line.event !== 'decision' || typeof line.token !== 'string') return;
    const [method, path, token, now] = [String(line.method), String(line.path), line.token, Date.now()];
    const seen = this.decisions.find(
      (d) => d.token === undefined && d.method === method && d.uri === path && now - Date.parse(d.at) < TOKEN_JOIN_MS,
    );
    if (seen) {
      seen.token = token;
      this.changed();
      return;
    }
    this.tokenNames.push({ method, path, token, at: now });
    if (this.tokenNames.length > DECISIONS_KEPT) this.tokenNames.shift();
  }

  state(): DashboardState {
    const now = Date.now();
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const secrets = this.cloud.secretsManager.state.secrets
      .filter((s) => s.deletedDate === undefined)
      .map((s) => {
        const rules = s.rotationRules;
        const run = s.rotation;
        return {
          name: s.name,
          arn: s.arn,
          schedule: describeRotationRules(rules),
          rotationEnabled: s.rotationEnabled,
          lastRotated: iso(s.lastRotatedDate),
          nextRotation: s.rotationEnabled ? iso(s.nextRotationDate) : undefined,
          lastRotation: run
            ? {
                token: run.token,
                startedAt: new Date(run.startedAt).toISOString(),
                result: run.failedStep
                  ? ('failed' as const)
                  : run.endedAt
                    ? ('succeeded' as const)
                    : ('running' as const),
                step: run.failedStep ?? run.step,
                error: run.error,
              }
            : undefined,
          versions: [...s.versions]
            .sort((a, b) => b.createdDate - a.createdDate)
            .map((v) => ({
              versionId: v.versionId,
              stages: [...v.stages],
              created: new Date(v.createdDate).toISOString(),
            })),
        };
      });
    // which sites run which function: a Lambda@Edge version (name:version) or a CloudFront function (name)
    const sitesRunning = new Map<string, string[]>();
    for (const d of this.cloud.cloudfront.state.distributions) {
      const routing = this.cloud.cloudfront.routing(d);
      const names = [
        ...routing.lambdaArns.map((a) => a.arn.slice(a.arn.indexOf(':function:') + ':function:'.length)),
        ...routing.functionArns.map((a) => a.arn.slice(a.arn.lastIndexOf('/') + 1)),
      ];
      for (const name of new Set(names)) sitesRunning.set(name, [...(sitesRunning.get(name) ?? []), d.id]);
    }
    const instances = this.cloud.lambda.runtime
      .instances()
      .flatMap((pool) => pool.labels)
      .map((label) => {
        const [fn = label, version = ''] = label.split('#')[0]!.split(/:(?=[^:]+$)/);
        const fetched = this.fetches.get(label);
        return {
          label,
          function: fn,
          version,
          sites: sitesRunning.get(`${fn}:${version}`) ?? [],
          holds: fetched?.versionId,
          fetchedAt: iso(fetched?.at),
          ageSeconds: fetched ? Math.round((now - fetched.at) / 1000) : undefined,
          lastCause: fetched?.cause,
        };
      })
      .filter((i) => i.holds !== undefined || !i.function.endsWith('rotate'));
    // The CloudFront Functions engine: no instances, one function everywhere, holding what its store holds.
    for (const fn of this.cloud.cloudfront.state.functions.filter((f) => f.live)) {
      const store = this.cloud.cloudfront.state.keyValueStores.find((k) => fn.live!.keyValueStoreArns.includes(k.arn));
      const meta = store ? parseMeta(store.items[META_KEY]) : undefined;
      instances.push({
        label: `${fn.name} (CloudFront function, LIVE)`,
        function: fn.name,
        version: 'LIVE',
        sites: sitesRunning.get(fn.name) ?? [],
        holds: meta?.v,
        fetchedAt: iso(meta?.t),
        ageSeconds: meta ? Math.round((now - meta.t) / 1000) : undefined,
        lastCause: store ? `digests in ${store.name}` : undefined,
      });
    }
    return {
      generatedAt: new Date(now).toISOString(),
      sites: this.sites(),
      secrets,
      instances,
      decisions: [...this.decisions],
    };
  }

  /** Serves /_local/dashboard (the page), /_local/dashboard/state (JSON) and /_local/dashboard/events (SSE). */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (pathname === '/_local/dashboard' || pathname === '/_local/dashboard/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      });
      res.end(PAGE);
      return true;
    }
    if (pathname === '/_local/dashboard/state') {
      const text = JSON.stringify(this.state());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
      return true;
    }
    if (pathname === '/_local/dashboard/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`data: ${JSON.stringify(this.state())}\n\n`);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      this.heartbeat ??= setInterval(() => this.changed(), 5000).unref(); // ages move even when nothing happens
      return true;
    }
    return false;
  }

  private changed(): void {
    if (this.clients.size === 0 || this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      const text = `data: ${JSON.stringify(this.state())}\n\n`;
      for (const client of this.clients) client.write(text);
    }, PUSH_EVERY_MS);
    this.pushTimer.unref();
  }

  stop(): void {
    this.unsubscribe();
    if (this.pushTimer) clearTimeout(this.pushTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>basicauth dev</title>
<style>
:root{--bg:#f6f7f9;--card:#fff;--line:#dde1e7;--text:#1d2330;--dim:#5b6475;--ok:#1a7f37;--bad:#c0362c;--warn:#9a6700;--tag:#eef1f5}
@media (prefers-color-scheme:dark){:root{--bg:#12151b;--card:#1a1f27;--line:#2b323d;--text:#e5e8ee;--dim:#9aa3b2;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--tag:#262d38}}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;padding:1rem 1.5rem;border-bottom:1px solid var(--line);background:var(--card)}
header select{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.15rem .3rem;max-width:100%}
header h1{font-size:1.1rem;margin:0}header .live{color:var(--dim)}header .live.on::before{content:"● ";color:var(--ok)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(26rem,100%),1fr));gap:1rem;padding:1rem 1.5rem}
section{min-width:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.25rem;overflow:auto}
section.wide{grid-column:1/-1}h2{font-size:.95rem;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:6rem}
th{color:var(--dim);font-weight:500}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.tag{display:inline-block;padding:0 .45em;margin-right:.25em;border-radius:4px;background:var(--tag);font-size:12px}
.tag.current{background:var(--ok);color:#fff}.tag.pending{background:var(--warn);color:#fff}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.dim{color:var(--dim)}
a{color:inherit}#site{overflow-wrap:anywhere}
@media (max-width:600px){main{padding:.5rem;gap:.5rem}header{padding:.75rem}section{padding:.75rem}th,td{padding:.25rem .3rem;white-space:normal}td{overflow-wrap:anywhere}.opt{display:none}}
td.nw,.tag{white-space:nowrap;overflow-wrap:normal}
</style></head>
<body>
<header><h1>basicauth dev</h1><label class="dim">site <select id="filter"><option value="">every site</option></select></label><span id="site" class="dim"></span><span id="live" class="live">connecting…</span></header>
<main>
<section><h2>Secret</h2><div id="secret" class="dim">…</div></section>
<section><h2>Edge instances</h2><div id="instances" class="dim">…</div></section>
<section class="wide"><h2>Last decisions</h2><div id="decisions" class="dim">…</div></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const when = (iso) => iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
const short = (id) => id ? esc(id.slice(0, 8)) : '—';
let last;
$('filter').onchange = () => last && render(last);
function render(s) {
  last = s;
  // one site or every one: the instances that run its function, the requests it answered
  const filter = $('filter');
  const chosen = filter.value;
  const options = '<option value="">every site</option>' + s.sites.map((x) => '<option value="' + esc(x.distributionId) + '">' + esc(x.distributionId) + ' · ' + esc(x.url) + '</option>').join('');
  if (filter.dataset.options !== options) { filter.innerHTML = options; filter.dataset.options = options; filter.value = s.sites.some((x) => x.distributionId === chosen) ? chosen : ''; }
  const site = filter.value;
  const instances = site ? s.instances.filter((i) => i.sites.includes(site)) : s.instances;
  const decisions = site ? s.decisions.filter((d) => d.distributionId === site) : s.decisions;
  $('site').innerHTML = s.sites.filter((x) => !site || x.distributionId === site).map((x) => '<a href="' + esc(x.url) + '">' + esc(x.url) + '</a>').join(' · ');
  $('secret').classList.remove('dim');
  $('secret').innerHTML = s.secrets.map((x) => {
    const r = x.lastRotation;
    const result = !r ? '<span class="dim">none yet</span>' : r.result === 'succeeded' ? '<span class="ok">succeeded</span>' : r.result === 'failed' ? '<span class="bad">failed at ' + esc(r.step) + ': ' + esc(r.error) + '</span>' : '<span class="warn">running (' + esc(r.step) + ')</span>';
    return '<p><b>' + esc(x.name) + '</b></p><table>'
      + '<tr><th>rotation</th><td>' + (x.rotationEnabled ? esc(x.schedule) : '<span class="warn">off</span>') + '</td></tr>'
      + '<tr><th>last rotated</th><td>' + when(x.lastRotated) + '</td></tr>'
      + '<tr><th>next</th><td>' + when(x.nextRotation) + '</td></tr>'
      + '<tr><th>last rotation</th><td>' + result + '</td></tr></table>'
      + '<table style="margin-top:.6rem"><tr><th>version</th><th>stages</th><th>created</th></tr>'
      + x.versions.map((v) => '<tr><td class="mono nw">' + short(v.versionId) + '</td><td>' + v.stages.map((t) => '<span class="tag ' + (t === 'AWSCURRENT' ? 'current' : t === 'AWSPENDING' ? 'pending' : '') + '">' + esc(t) + '</span>').join('') + '</td><td>' + when(v.created) + '</td></tr>').join('')
      + '</table>';
  }).join('');
  const current = new Set(s.secrets.flatMap((x) => x.versions.filter((v) => v.stages.includes('AWSCURRENT')).map((v) => v.versionId)));
  $('instances').classList.remove('dim');
  $('instances').innerHTML = instances.length ? '<table><tr><th>instance</th><th class="opt">site</th><th>holds</th><th>loaded</th><th>why</th></tr>'
    + instances.map((i) => '<tr><td class="mono wrap">' + esc(i.label) + '</td><td class="mono opt">' + esc(i.sites.join(', ')) + '</td><td class="mono nw ' + (i.holds && current.has(i.holds) ? 'ok' : 'warn') + '">' + short(i.holds) + (i.holds && !current.has(i.holds) ? ' (old)' : '') + '</td><td class="num nw">' + (i.ageSeconds === undefined ? '—' : i.ageSeconds + ' s ago') + '</td><td class="wrap">' + esc(i.lastCause ?? '') + '</td></tr>').join('') + '</table>'
    : '<span class="dim">no instance has run yet: open the site</span>';
  $('decisions').classList.remove('dim');
  $('decisions').innerHTML = decisions.length ? '<table><tr><th>time</th><th class="opt">site</th><th>status</th><th>what the edge saw</th><th class="opt">method</th><th>path</th><th class="opt">instance</th><th class="opt">ms</th></tr>'
    + decisions.map((d) => '<tr><td class="nw">' + esc(d.at.slice(11, 19)) + '</td><td class="mono opt">' + esc(d.distributionId ?? '') + '</td><td class="nw ' + (d.status < 400 ? 'ok' : d.status >= 500 ? 'bad' : 'warn') + '">' + d.status + '</td><td class="wrap">' + esc(d.outcome ?? '') + (d.token ? ' <span class="mono">token ' + esc(d.token) + '</span>' : '') + '</td><td class="opt">' + esc(d.method) + '</td><td class="mono wrap">' + esc(d.uri) + '</td><td class="mono opt">' + esc(d.instance ?? '') + '</td><td class="num opt">' + d.ms + '</td></tr>').join('') + '</table>'
    : '<span class="dim">no request yet' + (site ? ' to this site' : '') + '</span>';
}
const source = new EventSource('/_local/dashboard/events');
source.onopen = () => { $('live').textContent = 'live'; $('live').classList.add('on'); };
source.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').classList.remove('on'); };
source.onmessage = (e) => render(JSON.parse(e.data));
</script>
</body></html>
`;

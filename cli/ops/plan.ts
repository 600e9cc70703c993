// What a deploy would change, attribute by attribute: `terraform show -json` of
// the saved plan, folded into one list of resource changes that `basicauth plan`
// prints (or emits with --json) and `deploy` shows before it asks.
// Values Terraform marks sensitive are never shown; nor are values not known
// until apply. No password is in the plan to begin with: the stack never puts one in
// Terraform's configuration or state.

export type ResourceAction = 'create' | 'update' | 'replace' | 'delete' | 'read';

export interface AttributeChange {
  /** dotted path: "environment.variables.A", "tags.team", "origin[0].domain_name" */
  path: string;
  /** JSON text of the value, "(sensitive)", "(known after apply)", or absent (no value) */
  before?: string;
  after?: string;
  /** a change of this attribute forces a replacement */
  forcesReplacement?: boolean;
}

export interface ResourceChange {
  address: string;
  action: ResourceAction;
  /** update and replace: what differs; create and delete list nothing (everything) */
  attributes: AttributeChange[];
}

interface ShowChange {
  address?: string;
  mode?: string;
  change?: {
    actions?: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
    replace_paths?: unknown[][];
  };
}

const SENSITIVE = '(sensitive)';
const UNKNOWN = '(known after apply)';
const MAX_VALUE = 120;

/** The resource changes of `terraform show -json <planfile>` (no-ops left out). */
export function planChanges(show: { resource_changes?: ShowChange[] }): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const rc of show.resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    const action = actionOf(actions);
    if (!action || !rc.address) continue;
    const c = rc.change ?? {};
    // a replacement recomputes every computed attribute: show what is configured to change, not each "(known after apply)"
    const attributes =
      action === 'update'
        ? attributeChanges(c)
        : action === 'replace'
          ? attributeChanges(c).filter((a) => a.after !== UNKNOWN || a.forcesReplacement)
          : [];
    out.push({ address: rc.address, action, attributes });
  }
  return out;
}

function actionOf(actions: string[]): ResourceAction | undefined {
  if (actions.includes('create') && actions.includes('delete')) return 'replace';
  if (actions.length === 1 && ['create', 'update', 'delete', 'read'].includes(actions[0]!))
    return actions[0] as ResourceAction;
  return undefined; // no-op
}

function attributeChanges(c: NonNullable<ShowChange['change']>): AttributeChange[] {
  const before = leaves(c.before);
  const after = leaves(c.after);
  const unknown = marked(c.after_unknown);
  const beforeSensitive = marked(c.before_sensitive);
  const afterSensitive = marked(c.after_sensitive);
  const forcing = new Set((c.replace_paths ?? []).map((p) => pathText(p.map(String))));
  // an unknown list or block whose old entries are listed shows as those entries becoming unknown
  const within = (p: string) => [...before.keys()].some((k) => k.startsWith(`${p}.`) || k.startsWith(`${p}[`));
  const paths = new Set([...before.keys(), ...after.keys(), ...[...unknown.paths].filter((p) => !within(p))]);
  const changes: AttributeChange[] = [];
  for (const path of [...paths].sort()) {
    const b = hidden(beforeSensitive, path) ? SENSITIVE : before.get(path);
    const a = hidden(unknown, path) ? UNKNOWN : hidden(afterSensitive, path) ? SENSITIVE : after.get(path);
    if (a === b && a !== SENSITIVE) continue;
    // a sensitive value that stayed sensitive on both sides: shown only when its text changed (without showing it)
    if (a === SENSITIVE && b === SENSITIVE && before.get(path) === after.get(path)) continue;
    changes.push({
      path,
      ...(b === undefined ? {} : { before: b }),
      ...(a === undefined ? {} : { after: a }),
      ...([...forcing].some((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`))
        ? { forcesReplacement: true }
        : {}),
    });
  }
  return changes;
}

/** Every leaf of a JSON value by its path: objects by key, arrays by index. Empty values ("", [], {}, null) are no value, as the provider treats them. */
function leaves(value: unknown, prefix: string[] = [], out = new Map<string, string>()): Map<string, string> {
  if (value === null || value === undefined || value === '') return out;
  // arrays too: their entries are keyed "0", "1", …
  if (typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...prefix, k], out);
  } else if (prefix.length > 0 && typeof value !== 'object') {
    out.set(pathText(prefix), shorten(JSON.stringify(value)));
  }
  return out;
}

/** The paths a mirror structure (after_unknown, *_sensitive) marks true; `true` at the top marks everything. */
function marked(mirror: unknown): { everything: boolean; paths: Set<string> } {
  const paths = new Set<string>();
  const walk = (v: unknown, prefix: string[]) => {
    if (v === true && prefix.length > 0) paths.add(pathText(prefix));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...prefix, k]);
  };
  walk(mirror, []);
  return { everything: mirror === true, paths };
}

function hidden(mark: ReturnType<typeof marked>, path: string): boolean {
  if (mark.everything) return true;
  for (const p of mark.paths) if (path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) return true;
  return false;
}

function pathText(parts: string[]): string {
  return parts.reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

function shorten(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const SIGN: Record<ResourceAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-', read: '<=' };
const VERB: Record<ResourceAction, string> = {
  create: 'create',
  update: 'update in place',
  replace: 'replace',
  delete: 'destroy',
  read: 'read',
};

/** The plan as people read it: one line per resource, the changed attributes under it, then the count. */
export function planText(changes: ResourceChange[], summary: { add: number; change: number; remove: number }): string {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(`  ${SIGN[c.action].padEnd(3)} ${c.address}  (${VERB[c.action]})`);
    for (const a of c.attributes) {
      const value =
        a.before === undefined
          ? `${a.after} (added)`
          : a.after === undefined
            ? `${a.before} (removed)`
            : `${a.before} → ${a.after}`;
      lines.push(`        ${a.path}: ${value}${a.forcesReplacement ? '  # forces replacement' : ''}`);
    }
  }
  lines.push(`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.remove} to destroy.`);
  return lines.join('\n');
}

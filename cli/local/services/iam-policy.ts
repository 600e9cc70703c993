// IAM policy evaluation for identity policies, as AWS documents it: an
// explicit Deny wins, then any Allow, else the request is implicitly denied.
// Actions match case-insensitively, resources case-sensitively, both with the
// `*` and `?` wildcards; Action/NotAction and Resource/NotResource; the
// String* condition operators (a key the request lacks fails the condition,
// except under `…IfExists`).

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function globRegExp(pattern: string, flags: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** IAM's wildcard match: `*` any run of characters, `?` one; actions ignore case. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return globRegExp(pattern, ignoreCase ? 'is' : 's').test(value);
}

const CONDITION_TESTS: Record<string, (wanted: string, actual: string) => boolean> = {
  StringEquals: (w, a) => w === a,
  StringNotEquals: (w, a) => w !== a,
  StringEqualsIgnoreCase: (w, a) => w.toLowerCase() === a.toLowerCase(),
  StringLike: (w, a) => wildcardMatch(w, a),
  StringNotLike: (w, a) => !wildcardMatch(w, a),
  ArnEquals: (w, a) => w === a,
  ArnLike: (w, a) => wildcardMatch(w, a),
};

function conditionsHold(condition: Statement['Condition'], context: Record<string, string>): boolean {
  for (const [operatorName, keys] of Object.entries(condition ?? {})) {
    const ifExists = operatorName.endsWith('IfExists');
    const operator = ifExists ? operatorName.slice(0, -'IfExists'.length) : operatorName;
    const test = CONDITION_TESTS[operator];
    if (!test) return false; // an operator we do not model never grants (and never denies: see evaluate)
    for (const [key, wanted] of Object.entries(keys)) {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (actual === undefined) {
        if (ifExists) continue;
        return false;
      }
      const negated = operator.includes('Not');
      const values = list(wanted);
      if (negated ? !values.every((w) => test(w, actual)) : !values.some((w) => test(w, actual))) return false;
    }
  }
  return true;
}

function applies(statement: Statement, action: string, resource: string, context: Record<string, string>): boolean {
  const actionHit = statement.NotAction
    ? !list(statement.NotAction).some((p) => wildcardMatch(p, action, true))
    : list(statement.Action).some((p) => wildcardMatch(p, action, true));
  if (!actionHit) return false;
  const resourceHit = statement.NotResource
    ? !list(statement.NotResource).some((p) => wildcardMatch(p, resource))
    : list(statement.Resource).some((p) => wildcardMatch(p, resource));
  return resourceHit && conditionsHold(statement.Condition, context);
}

/** Evaluates identity policies for one request: explicit Deny, else Allow, else implicit deny. */
export function evaluate(
  statements: Statement[],
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!applies(statement, action, resource, context)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

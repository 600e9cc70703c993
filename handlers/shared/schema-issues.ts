// Validation errors in our words, for the config file and the edge settings
// alike: each names the field, the value and what is allowed. The
// validator's own wording never reaches a user.

import type { z } from 'zod';

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function at(input: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};
const unit = (origin: string, n: number | bigint) =>
  origin === 'string' ? ` character${n === 1 ? '' : 's'}` : origin === 'array' ? ` item${n === 1 ? '' : 's'}` : '';
/** zod's own messages; any other message is one our schemas wrote */
const ZOD_WORDING = /^(Invalid\b|Too (small|big)|Expected\b|Unrecognized\b)/;

/** What a field should be. */
function expectation(issue: z.core.$ZodIssue): string {
  if (!ZOD_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
    case 'too_small':
      return `${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}${unit(issue.origin, issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}${unit(issue.origin, issue.maximum)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const tags = (issue as { options?: unknown[] }).options;
      return Array.isArray(tags) && tags.length
        ? `one of ${tags.map((v) => JSON.stringify(v)).join(', ')}`
        : 'one of the documented shapes';
    }
    case 'invalid_format':
      return `a valid ${issue.format}`;
    default:
      return 'a valid value';
  }
}

/** One line per problem: `field is VALUE: expected WHAT`, fields under `prefix` (e.g. "edge."). */
export function describeIssues(issues: z.core.$ZodIssue[], input: unknown, prefix = ''): string[] {
  return issues.map((issue) => {
    const field =
      prefix +
      issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
    const name = field || '(root)';
    const value = at(input, issue.path);
    if (issue.code === 'unrecognized_keys')
      return `${field ? `${field}: ` : ''}unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${name} is ${value === undefined ? 'missing' : describe(value)}: expected ${expectation(issue)}`;
  });
}

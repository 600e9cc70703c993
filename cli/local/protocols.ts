// The four AWS wire protocols the local services speak: how a request names
// its operation and carries its input, and how answers and errors are shaped.
// AWS JSON (1.0/1.1: X-Amz-Target), REST-JSON and REST-XML (method + path),
// query (form-encoded Action, XML answers).

import type { ServerResponse } from 'node:http';
import {
  ServiceError,
  type LocalRequest,
  type OperationInput,
  type Protocol,
  type RestOutput,
  type Route,
  type ServicePlugin,
} from './plugin.js';
import { escapeXml, xmlElements } from './xml.js';

export const requestId = (): string => crypto.randomUUID();

/** The operation a request asks for, and its decoded input; throws the protocol's own error when it names none. */
export function decodeRequest(plugin: ServicePlugin, req: LocalRequest): { operation: string; input: OperationInput } {
  switch (plugin.protocol) {
    case 'json': {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation = ''] = target.split('.', 2);
      if (prefix !== plugin.target || !operation) throw unknownOperation(plugin, target || `${req.method} ${req.path}`);
      let input: Record<string, unknown> = {};
      if (req.body.length) {
        try {
          input = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
        }
      }
      if (!input || typeof input !== 'object' || Array.isArray(input))
        throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
      return { operation, input: { ...input, $request: req } };
    }
    case 'query': {
      const form = new URLSearchParams(req.method === 'GET' ? req.query : req.body.toString('utf8'));
      const operation = form.get('Action') ?? '';
      if (!operation) throw new ServiceError('MissingAction', 'The request must contain the parameter Action.');
      return { operation, input: { ...decodeQueryParams(form), $request: req } };
    }
    case 'rest-json':
    case 'rest-xml': {
      const matched = matchRoute(plugin.routes ?? [], req);
      if (!matched) throw unknownOperation(plugin, `${req.method} ${req.path}`);
      let body: Record<string, unknown> = {};
      if (plugin.protocol === 'rest-json' && req.body.length && isJsonBody(req)) {
        try {
          body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new ServiceError(
            plugin.name === 'lambda' ? 'InvalidRequestContentException' : 'SerializationException',
            'Could not parse request body into json',
          );
        }
      }
      return { operation: matched.operation, input: { ...body, ...matched.params, $request: req } };
    }
  }
}

const isJsonBody = (req: LocalRequest) => !String(req.headers['content-type'] ?? '').includes('octet-stream');

export function unknownOperation(plugin: Pick<ServicePlugin, 'name' | 'protocol'>, what: string): ServiceError {
  const message = `The basicauth local cloud does not implement ${plugin.name} ${what}.`;
  if (plugin.protocol === 'query') return new ServiceError('InvalidAction', message, 400);
  if (plugin.protocol === 'json') return new ServiceError('UnknownOperationException', message, 400);
  return new ServiceError('UnknownOperationException', message, 404);
}

function matchRoute(
  routes: Route[],
  req: LocalRequest,
): { operation: string; params: Record<string, string> } | undefined {
  const segments = req.path.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== req.method) continue;
    if (
      route.query &&
      !Object.entries(route.query).every(([k, v]) => (v === true ? req.query.has(k) : req.query.get(k) === v))
    )
      continue;
    const params = matchPath(route.path.split('/').slice(1), segments);
    if (params) return { operation: route.operation, params };
  }
  return undefined;
}

function matchPath(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const greedy = /^\{(\w+)\+\}$/.exec(p);
    if (greedy) {
      if (i >= segments.length || segments.slice(i).join('/') === '') return undefined;
      params[greedy[1]!] = safeDecode(segments.slice(i).join('/'));
      return params;
    }
    const s = segments[i];
    if (s === undefined) return undefined;
    if (/^\{\w+\}$/.test(p)) {
      if (s === '') return undefined;
      params[p.slice(1, -1)] = safeDecode(s);
    } else if (p !== s) return undefined;
  }
  // a trailing slash is the same path
  const rest = segments.slice(pattern.length);
  return rest.length === 0 || (rest.length === 1 && rest[0] === '') ? params : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `Tags.member.1.Key=a` → `{Tags: [{Key: 'a'}]}`; `.member.N` and `.entry.N` are list items. */
export function decodeQueryParams(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const listItem = (part === 'member' || part === 'entry') && /^\d+$/.test(parts[i + 1] ?? '');
      if (listItem) continue;
      const index =
        /^\d+$/.test(part) && (parts[i - 1] === 'member' || parts[i - 1] === 'entry') ? Number(part) - 1 : undefined;
      const slot: string | number = index ?? part;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[slot] = value;
      } else {
        const nextIsList = (parts[i + 1] === 'member' || parts[i + 1] === 'entry') && /^\d+$/.test(parts[i + 2] ?? '');
        container[slot] ??= nextIsList ? [] : {};
        node = container[slot] as Record<string, unknown>;
      }
    }
  }
  return root;
}

// ---- answers ----------------------------------------------------------------

export function sendResult(plugin: ServicePlugin, operation: string, output: unknown, res: ServerResponse): void {
  const id = requestId();
  switch (plugin.protocol) {
    case 'json':
      return send(res, 200, JSON.stringify(output ?? {}), {
        'content-type': `application/x-amz-json-${plugin.jsonVersion ?? '1.1'}`,
        'x-amzn-requestid': id,
      });
    case 'query': {
      const result =
        output === undefined ? '' : `<${operation}Result>${xmlElements(output, 'member')}</${operation}Result>`;
      const xml = `<${operation}Response xmlns="${plugin.target}">${result}<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${operation}Response>`;
      return send(res, 200, xml, { 'content-type': 'text/xml', 'x-amzn-requestid': id });
    }
    case 'rest-json':
    case 'rest-xml': {
      const out = (output ?? {}) as RestOutput;
      const headers: Record<string, string> = { 'x-amzn-requestid': id, ...out.headers };
      if (out.raw !== undefined)
        return send(res, out.status ?? 200, out.raw, { 'content-type': 'application/json', ...headers });
      if (out.body === undefined) return send(res, out.status ?? 200, '', headers);
      if (plugin.protocol === 'rest-json')
        return send(res, out.status ?? 200, JSON.stringify(out.body), {
          'content-type': 'application/json',
          ...headers,
        });
      const xml = String(out.body);
      return send(
        res,
        out.status ?? 200,
        xml.startsWith('<?xml') ? xml : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`,
        { 'content-type': 'text/xml', ...headers },
      );
    }
  }
}

export function sendError(
  protocol: Protocol,
  namespace: string | undefined,
  error: ServiceError,
  res: ServerResponse,
  xmlErrors: 'wrapped' | 'bare' = 'wrapped',
): void {
  if (res.headersSent) return void res.destroy();
  const id = requestId();
  switch (protocol) {
    case 'json':
      return send(res, error.status, JSON.stringify({ __type: error.code, message: error.message }), {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': error.code,
        'x-amzn-requestid': id,
      });
    case 'rest-json':
      return send(
        res,
        error.status,
        JSON.stringify({ Type: error.type === 'Sender' ? 'User' : 'Service', Message: error.message }),
        {
          'content-type': 'application/json',
          'x-amzn-errortype': error.code,
          'x-amzn-requestid': id,
        },
      );
    case 'rest-xml':
    case 'query': {
      if (xmlErrors === 'bare') {
        return send(
          res,
          error.status,
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${id}</RequestId></Error>`,
          { 'content-type': 'application/xml', 'x-amz-request-id': id },
        );
      }
      const ns = namespace ? ` xmlns="${namespace}"` : '';
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`;
      return send(res, error.status, xml, { 'content-type': 'text/xml', 'x-amzn-requestid': id });
    }
  }
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  // a HEAD answer says the length of the body it does not send
  if (headers['content-length'] !== undefined && Buffer.byteLength(body) === 0)
    return void res.writeHead(status, headers).end();
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Guesses the protocol of a request no plugin claims, to answer in a shape its client reads. */
export function protocolOf(req: LocalRequest): Protocol {
  const type = String(req.headers['content-type'] ?? '');
  if (req.headers['x-amz-target'] || type.includes('x-amz-json')) return 'json';
  if (type.includes('x-www-form-urlencoded')) return 'query';
  return type.includes('json') ? 'rest-json' : 'rest-xml';
}

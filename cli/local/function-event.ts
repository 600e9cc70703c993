// The CloudFront Functions viewer-request event, built from a request as the
// local edge received it, and the function's result turned back into what the
// edge sends or forwards. Shapes as documented for cloudfront-js-2.0: headers
// by lowercase name as { value } (several values: { value, multiValue }),
// cookies apart from headers, the query string parsed.

type ValueMap = Record<string, { value: string; multiValue?: Array<{ value: string }> }>;
type HeaderMap = Record<string, Array<{ key?: string; value: string }>>;

function add(map: ValueMap, name: string, value: string): void {
  const existing = map[name];
  if (!existing) {
    map[name] = { value };
    return;
  }
  existing.multiValue ??= [{ value: existing.value }];
  existing.multiValue.push({ value });
}

export interface ViewerRequestLike {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
}

/** The event for a request the edge has read (its headers by lowercase name, in arrival order). */
export function functionEvent(
  r: ViewerRequestLike & { headers: HeaderMap },
  context: { distributionDomainName: string; distributionId: string; requestId: string },
): unknown {
  const headers: ValueMap = {};
  const cookies: ValueMap = {};
  for (const [name, list] of Object.entries(r.headers)) {
    for (const { value } of list) {
      if (name !== 'cookie') {
        add(headers, name, value);
        continue;
      }
      for (const part of value.split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0) add(cookies, part.slice(0, eq).trim(), part.slice(eq + 1).trim());
      }
    }
  }
  const querystring: ValueMap = {};
  for (const [name, value] of new URLSearchParams(r.querystring)) add(querystring, name, value);
  return {
    version: '1.0',
    context: { ...context, eventType: 'viewer-request' },
    viewer: { ip: r.clientIp },
    request: { method: r.method, uri: r.uri, querystring, headers, cookies },
  };
}

const values = (v: { value: string; multiValue?: Array<{ value: string }> }) =>
  v.multiValue ? v.multiValue.map((m) => m.value) : [v.value];

/** A request the function returned, in the edge's forwarding shape. */
export function requestFromFunction(
  result: Record<string, unknown>,
  clientIp: string,
): ViewerRequestLike & { headers: HeaderMap } {
  const headers: HeaderMap = {};
  for (const [name, v] of Object.entries((result.headers ?? {}) as ValueMap))
    headers[name.toLowerCase()] = values(v).map((value) => ({ value }));
  const cookies = Object.entries((result.cookies ?? {}) as ValueMap).flatMap(([name, v]) =>
    values(v).map((value) => `${name}=${value}`),
  );
  if (cookies.length) headers.cookie = [{ value: cookies.join('; ') }];
  const query = new URLSearchParams();
  for (const [name, v] of Object.entries((result.querystring ?? {}) as ValueMap))
    for (const value of values(v)) query.append(name, value);
  return { clientIp, method: String(result.method), uri: String(result.uri), querystring: query.toString(), headers };
}

/** A response the function generated: status, header pairs and body bytes. */
export function responseFromFunction(result: Record<string, unknown>): {
  status: number;
  description: string | undefined;
  headers: Array<[string, string]>;
  body: Buffer;
} {
  const headers: Array<[string, string]> = [];
  for (const [name, v] of Object.entries((result.headers ?? {}) as ValueMap))
    for (const value of values(v)) headers.push([name, value]);
  // response cookies: { name: { value, attributes } } (several: multiValue, each with its own attributes)
  type ResponseCookie = {
    value: string;
    attributes?: string;
    multiValue?: Array<{ value: string; attributes?: string }>;
  };
  for (const [name, v] of Object.entries((result.cookies ?? {}) as Record<string, ResponseCookie>))
    for (const c of v.multiValue ?? [v])
      headers.push(['set-cookie', `${name}=${c.value}${c.attributes ? `; ${c.attributes}` : ''}`]);
  const b = result.body as string | { encoding: 'text' | 'base64'; data: string } | undefined;
  const body =
    b === undefined
      ? Buffer.alloc(0)
      : typeof b === 'string'
        ? Buffer.from(b, 'utf8')
        : Buffer.from(b.data, b.encoding === 'base64' ? 'base64' : 'utf8');
  return {
    status: Number(result.statusCode),
    description: typeof result.statusDescription === 'string' ? result.statusDescription : undefined,
    headers,
    body,
  };
}

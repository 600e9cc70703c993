// The path CloudFront matches cache behaviors on: RFC 3986 section 6.2.2
// normalization (percent-encodings upper-cased, encoded unreserved characters
// decoded, dot segments removed). The viewer-request function still receives
// the URI as the viewer sent it.

const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normalizedPath(uri: string): string {
  const decoded = uri.replace(/%([0-9a-fA-F]{2})/g, (_whole, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  return removeDotSegments(decoded);
}

/** RFC 3986 section 5.2.4. */
export function removeDotSegments(path: string): string {
  let input = path;
  const output: string[] = [];
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output.pop();
    } else if (input === '/..') {
      input = '/';
      output.pop();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0);
      const segment = next === -1 ? input : input.slice(0, next);
      output.push(segment);
      input = next === -1 ? '' : input.slice(next);
    }
  }
  return output.join('') || '/';
}

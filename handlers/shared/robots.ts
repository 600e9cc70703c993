// What keeps a protected site out of search engines: the response headers
// policy (stacks) sends it with every answer from the origin, and the edge's
// own answers (401, 503, a token link's redirect) carry it themselves.
export const ROBOTS_HEADER = 'noindex, nofollow';

// Route keys for /__sandbox/stats: the path with record ids, query locators and job ids
// templated, e.g. "PATCH /services/data/v66.0/sobjects/Opportunity/{id}".

const ID_SEGMENT = /^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$/;
const LOCATOR_SEGMENT = /^01g[0-9A-Za-z]{12,15}-\d+$/;

function templateSegment(segment: string, previous: string | undefined): string {
  if (LOCATOR_SEGMENT.test(segment)) return '{locator}';
  if (previous === 'query' && segment.startsWith('750')) return '{jobId}';
  // An id has digits; object names and resource words do not look like 15/18-char alphanumerics with one.
  if (ID_SEGMENT.test(segment) && /\d/.test(segment)) return '{id}';
  return segment;
}

export function salesforceRouteKey(method: string, path: string): string | null {
  if (!path.startsWith('/services/') && !path.startsWith('/id/')) return null;
  if (path.startsWith('/id/')) return `${method} /id/{orgId}/{userId}`;
  const segments = path.split('/');
  const templated = segments.map((s, i) => templateSegment(s, segments[i - 1]));
  return `${method} ${templated.join('/')}`;
}

export function isPublicPath(method: string, path: string): boolean {
  if (method === 'POST' && (path === '/services/oauth2/token' || path === '/services/oauth2/revoke')) return true;
  return method === 'GET' && /^\/services\/data\/?$/.test(path);
}

// HubSpot's date-versioned paths (`/crm/objects/2026-09/deals`, …) served from the same state as
// the legacy v3/v4 paths: a versioned request is routed as its legacy twin, with the version kept
// in `res.locals` for the behaviour that differs (2026-09 enforces the portal's write validation
// rules; 2026-03 and legacy do not). The request and answer shapes of the versions we serve match
// the legacy ones (HubSpot's published OpenAPI documents for 2026-03 and 2026-09).

import type { RequestHandler, Response } from 'express';

export type SandboxApiVersion = '2026-09' | '2026-03' | 'legacy';

const DATED = '(2026-03|2026-09)';

/** Versioned prefix → legacy prefix, in match order (associations on objects are v4). */
const TO_LEGACY: readonly (readonly [RegExp, string])[] = [
  [new RegExp(`^/crm/objects/${DATED}(/[^/]+/[^/]+/associations(?:/.*)?)$`), '/crm/v4/objects$2'],
  [new RegExp(`^/crm/objects/${DATED}(/.*)?$`), '/crm/v3/objects$2'],
  [new RegExp(`^/crm/(properties|pipelines|owners)/${DATED}(/.*)?$`), '/crm/v3/$1$3'],
  [new RegExp(`^/crm/associations/${DATED}(/.*)?$`), '/crm/v4/associations$2'],
  [new RegExp(`^/account-info/${DATED}(/.*)?$`), '/account-info/v3$2'],
  [new RegExp(`^/oauth/${DATED}/token$`), '/oauth/v1/token'],
];

/** The legacy path a versioned one is served as, and its version; null for any other path. */
export function legacyTwin(path: string): { path: string; version: '2026-03' | '2026-09' } | null {
  for (const [pattern, target] of TO_LEGACY) {
    const m = pattern.exec(path);
    if (!m) continue;
    const version = m.slice(1).find((g) => g === '2026-03' || g === '2026-09');
    if (version !== '2026-03' && version !== '2026-09') continue;
    return { path: path.replace(pattern, target), version };
  }
  return null;
}

/** A legacy path (or stats template) written in a dated version's form. */
export function versionedForm(legacyPath: string, version: '2026-03' | '2026-09'): string {
  return legacyPath
    .replace(/^\/crm\/v[34]\/objects(?=\/|$)/, `/crm/objects/${version}`)
    .replace(/^\/crm\/v3\/(properties|pipelines|owners)(?=\/|$)/, `/crm/$1/${version}`)
    .replace(/^\/crm\/v4\/associations(?=\/|$)/, `/crm/associations/${version}`)
    .replace(/^\/account-info\/v3(?=\/|$)/, `/account-info/${version}`)
    .replace(/^\/oauth\/v1\/token$/, `/oauth/${version}/token`);
}

/** The first handler of the HubSpot router: versioned requests continue as their legacy twin. */
export const versionedPaths: RequestHandler = (req, res, next) => {
  const twin = legacyTwin(req.path);
  res.locals['hubspotApiVersion'] = twin?.version ?? 'legacy';
  if (twin) {
    const query = req.url.indexOf('?');
    req.url = twin.path + (query >= 0 ? req.url.slice(query) : '');
  }
  next();
};

export function apiVersionOf(res: Response): SandboxApiVersion {
  const v: unknown = res.locals['hubspotApiVersion'];
  return v === '2026-03' || v === '2026-09' ? v : 'legacy';
}

// Static assets of the dashboard, served from memory. The stylesheet's URL carries a hash of
// its content, so browsers may cache it for a long time and still see a new version at once.

import { createHash } from 'node:crypto';
import type { Router } from 'express';
import { STYLESHEET } from './styles.ts';

const version = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);

export const STYLESHEET_HREF = `/ui/assets/app.css?v=${version}`;
export const ICON_HREF = '/ui/assets/icon.svg';

const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#14213d"/><circle cx="11" cy="16" r="6" fill="none" stroke="#dbe6ff" stroke-width="3"/><circle cx="21" cy="16" r="6" fill="none" stroke="#ffffff" stroke-width="3"/></svg>';

/** Open routes (the login page needs its stylesheet before anyone is signed in). */
export function assetRoutes(router: Router): void {
  router.get('/assets/app.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('text/css; charset=utf-8').send(STYLESHEET);
  });
  router.get('/assets/icon.svg', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(ICON);
  });
}

// The dashboard under /ui (issue 9). Until its pages exist the router answers nothing, so
// requests fall through to the API's 404.

import { Router } from 'express';
import type { AppDeps } from '../app.ts';

export function uiRoutes(_deps: AppDeps): Router {
  return Router();
}

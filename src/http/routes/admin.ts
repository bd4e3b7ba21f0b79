// Admin routes (issue 18): GET /v1/notifications (events with the status of every delivery) and
// GET /v1/audit (the audit log, JSON or CSV).

import { Router } from 'express';
import { z } from 'zod';
import { auditCsv, auditJson } from '../../audit/audit-csv.ts';
import { AUDIT_ACTIONS } from '../../store/notifications.ts';
import { EVENT_TYPES } from '../../config/notifications-schema.ts';
import type { AppDeps } from '../deps.ts';
import { requireRole } from '../auth.ts';
import { parseOr400 } from '../errors.ts';
import { notificationJson } from './notification-json.ts';

const instant = z.iso.datetime({ offset: true, error: 'write an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z' });

export const notificationsQuery = z.strictObject({
  status: z.enum(['pending', 'sent', 'failed', 'expanded', 'skipped']).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  before: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const auditQuery = z.strictObject({
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().min(1).max(200).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
  format: z.enum(['json', 'csv']).default('json'),
});

export function adminRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = requireRole(deps.tokens, 'admin');

  router.get('/notifications', admin, async (req, res) => {
    const q = parseOr400(notificationsQuery, req.query, 'query');
    const list = await deps.store.listNotifications({
      account: await deps.account(),
      status: q.status,
      type: q.type,
      before: q.before === undefined ? undefined : Date.parse(q.before),
      limit: q.limit,
    });
    const last = list.at(-1);
    res.set('Cache-Control', 'no-store').json({
      notifications: list.map(notificationJson),
      next: list.length === q.limit && last !== undefined ? new Date(last.event.createdAt).toISOString() : null,
    });
  });

  router.get('/audit', admin, async (req, res) => {
    const q = parseOr400(auditQuery, req.query, 'query');
    const entries = await deps.store.auditEntries({
      action: q.action,
      actor: q.actor,
      from: q.from === undefined ? undefined : Date.parse(q.from),
      to: q.to === undefined ? undefined : Date.parse(q.to),
      limit: q.limit,
    });
    res.set('Cache-Control', 'no-store');
    if (q.format === 'csv') {
      res.set('Content-Disposition', 'attachment; filename="audit.csv"');
      res.type('text/csv; charset=utf-8').send(auditCsv(entries));
      return;
    }
    res.json({ entries: entries.map(auditJson) });
  });
  return router;
}

// Finance routes: commission exports, statements, period close (finance or admin).

import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.ts';
import { periodClosedNotification } from '../../notify/sync-hook.ts';
import { closeStatementEmails } from '../../notify/finance-events.ts';
import { LockBusyError } from '../../store/account-lock.ts';
import { LedgerInputError } from '../../sync/accounts.ts';
import { commissionExport, commissionExportCsv, statements, statementsCsv, toJsonText } from '../../ledger/exports.ts';
import { closePeriod } from '../../ledger/periods.ts';
import { AccountLostError } from '../../ledger/errors.ts';
import type { AppDeps } from '../deps.ts';
import { requireRole } from '../auth.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';

/** Finance use-case errors as HTTP: bad input 400, a sync holding the account 409. */
export async function ledgerErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LedgerInputError) throw new HttpError(400, 'invalid_request', err.message);
    if (err instanceof LockBusyError) throw new HttpError(409, 'busy', err.message);
    // the account's lock was taken from this request while it held it (issue 16): nothing recorded
    if (err instanceof AccountLostError) throw new HttpError(409, 'busy', err.message);
    throw err;
  }
}

const month = z
  .string({ error: 'is required: the month, written YYYY-MM (e.g. 2026-03)' })
  .regex(/^\d{4}-(?:0[1-9]|1[0-2])$/, { error: 'write the month as YYYY-MM, with a month from 01 to 12' });
const exportQuery = z.strictObject({
  period: month,
  format: z.enum(['csv', 'json'], { error: 'must be csv or json' }).default('csv'),
});
const statementParams = z.strictObject({ partnerId: z.string().min(1).max(200) });
const closeParams = z.strictObject({ period: month });

function send(res: Response, format: 'csv' | 'json', name: string, csv: () => string, json: () => unknown): void {
  // attachments, so a browser saves the file rather than rendering it
  res.set('Content-Disposition', `attachment; filename="${name}.${format}"`);
  res.set('Cache-Control', 'no-store');
  if (format === 'csv') res.type('text/csv; charset=utf-8').send(csv());
  else res.type('application/json; charset=utf-8').send(toJsonText(json()));
}

/** Who acts: the SSO user or the token's name. */
export const actor = (req: Request): string => req.principal?.label ?? 'unknown';

export function financeRoutes(deps: AppDeps): Router {
  const router = Router();
  const finance = requireRole(deps.tokens, 'finance');

  router.get('/exports/commissions', finance, async (req, res) => {
    const q = parseOr400(exportQuery, req.query, 'query');
    const x = await ledgerErrors(async () => commissionExport(deps, await deps.account(), q.period));
    await recordAudit(deps, 'export.download', actor(req), q.period, { format: q.format, via: 'api' });
    send(
      res,
      q.format,
      `commissions-${q.period}`,
      () => commissionExportCsv(x),
      () => x,
    );
  });
  router.get('/statements/:partnerId', finance, async (req, res) => {
    const { partnerId } = parseOr400(statementParams, req.params, 'params');
    const q = parseOr400(exportQuery, req.query, 'query');
    const s = await ledgerErrors(async () => statements(deps, await deps.account(), q.period, partnerId));
    if (s.partners.length === 0)
      throw new HttpError(404, 'not_found', `partner ${partnerId} has no ledger entries in ${q.period}`);
    await recordAudit(deps, 'statement.download', actor(req), partnerId, {
      period: q.period,
      format: q.format,
      via: 'api',
    });
    send(
      res,
      q.format,
      `statement-${partnerId}-${q.period}`,
      () => statementsCsv(s),
      () => s,
    );
  });
  router.post('/periods/:period/close', finance, async (req, res) => {
    const { period } = parseOr400(closeParams, req.params, 'params');
    parseOr400(noQuery, req.query, 'query');
    const closedBy = actor(req);
    const account = await deps.account();
    const result = await ledgerErrors(async () => closePeriod(deps, account, period, closedBy));
    if (!result.alreadyClosed) {
      await recordAudit(deps, 'period.close', closedBy, period, { via: 'api' });
      await periodClosedNotification(deps.store, deps.config, account, {
        period,
        closedAt: deps.clock.now(),
        closedBy,
      });
      await closeStatementEmails(deps.store, deps.config, account, period, deps.clock.now());
    }
    res.json(result);
  });
  return router;
}

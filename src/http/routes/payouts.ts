// Finance routes of issue 20 (finance or admin): manual adjustments (propose, approve, reject),
// payout runs (create, approve, cancel, export as CSV or Wise batch file, mark lines paid or
// failed one by one or from a confirmation CSV), payee details, PDF statements, reconciliation.
// Four eyes: whoever proposed or created cannot approve (the token's name or the SSO user).

import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { financeAudit } from '../../audit/finance-audit.ts';
import { formatMinor } from '../../domain/money.ts';
import { statements } from '../../ledger/exports.ts';
import type { FinanceDeps } from '../../ledger/finance-deps.ts';
import { adjustmentView, approveAdjustment, proposeAdjustment, rejectAdjustment } from '../../ledger/manual.ts';
import { parseConfirmationCsv, payoutCsv, wiseCsv } from '../../ledger/payout-files.ts';
import { listPayees, openPayees, parsePayee, savePayee } from '../../ledger/payees.ts';
import {
  approvePayoutRun,
  cancelPayoutRun,
  createPayoutRun,
  payoutRunView,
  settleLines,
} from '../../ledger/payouts.ts';
import { reconcile } from '../../ledger/reconcile.ts';
import { statementPdf } from '../../ledger/statement-pdf.ts';
import { payoutApprovedNotification, statementEmails } from '../../notify/finance-events.ts';
import { requireRole } from '../auth.ts';
import { BODY_LIMIT_BYTES } from '../body-limits.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';
import { actor, ledgerErrors } from './finance.ts';

const month = z
  .string({ error: 'is required: the month, written YYYY-MM (e.g. 2026-03)' })
  .regex(/^\d{4}-(?:0[1-9]|1[0-2])$/, { error: 'write the month as YYYY-MM, with a month from 01 to 12' });
const id = z.string().min(1).max(200);
const proposalBody = z.strictObject({
  partnerId: id,
  amount: z.string({ error: 'is required: a decimal in the program currency, as a string, e.g. "250.00"' }),
  reason: z.string({ error: 'is required: why the entry is booked (internal)' }).max(500),
  description: z.string().max(500).optional(),
  dealId: id.optional(),
  period: month,
});
const rejectBody = z.strictObject({ note: z.string().max(500).default('') });
const runBody = z.strictObject({
  cutoff: z.string({ error: 'is required: the cut-off date, YYYY-MM-DD' }),
});
const settleBody = z.strictObject({
  status: z.enum(['paid', 'failed'], { error: 'must be paid or failed' }),
  reference: z.string().max(200).optional(),
});
const statusQuery = z.strictObject({
  status: z.enum(['proposed', 'approved', 'rejected'], { error: 'must be proposed, approved or rejected' }).optional(),
});
const exportQuery = z.strictObject({
  format: z.enum(['csv', 'wise', 'json'], { error: 'must be csv, wise or json' }).default('csv'),
});
const periodQuery = z.strictObject({ period: month });
const reconcileQuery = z.strictObject({ period: month.optional() });

export function financeDepsOf(deps: AppDeps, via: 'api' | 'dashboard'): FinanceDeps {
  return { store: deps.store, clock: deps.clock, config: deps.config, audit: financeAudit(deps, via) };
}

function settings(deps: AppDeps): { minimum: string; holdPartners: readonly string[] } {
  const p = deps.config.config.finance?.payouts;
  return { minimum: p?.minimum ?? '0', holdPartners: p?.holdPartners ?? [] };
}

/** Approval side effects: the signed payout.approved event and, when opted in, the paid partners' statements. */
export async function afterPayoutApproval(
  deps: AppDeps,
  account: string,
  run: Parameters<typeof payoutApprovedNotification>[3],
): Promise<void> {
  const at = deps.clock.now();
  await payoutApprovedNotification(deps.store, deps.config, account, run, at);
  // each paid partner's statements of the months its line pays
  const byEntry = new Map((await deps.store.ledgerEntries(account, {})).map((e) => [e.id, e.period]));
  const partnersByPeriod = new Map<string, { id: string; name: string }[]>();
  for (const l of run.lines)
    for (const period of new Set(l.entryIds.map((id) => byEntry.get(id)).filter((p) => p !== undefined)))
      partnersByPeriod.set(period, [...(partnersByPeriod.get(period) ?? []), { id: l.partnerId, name: l.partnerName }]);
  for (const [period, partners] of [...partnersByPeriod].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    await statementEmails(deps.store, deps.config, account, {
      trigger: 'payout.approved',
      period,
      partners,
      at,
      payoutRunId: run.id,
    });
}

export function payoutRoutes(deps: AppDeps): Router {
  const router = Router();
  const finance = requireRole(deps.tokens, 'finance');
  const fd = financeDepsOf(deps, 'api');
  const exponent = deps.config.program.exponent;
  const param = (req: Request, name: string): string => parseOr400(id, req.params[name], 'params');

  router.get('/adjustments', finance, async (req, res) => {
    const q = parseOr400(statusQuery, req.query, 'query');
    const list = await fd.store.finance.adjustments(await deps.account(), q.status);
    res.json({ adjustments: list.map((a) => adjustmentView(a, exponent)) });
  });
  router.post('/adjustments', finance, async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    const body = parseOr400(proposalBody, req.body, 'body');
    const a = await ledgerErrors(async () => proposeAdjustment(fd, await deps.account(), body, actor(req)));
    res.status(201).json(adjustmentView(a, exponent));
  });
  router.post('/adjustments/:id/approve', finance, async (req, res) => {
    const r = await ledgerErrors(async () => approveAdjustment(fd, await deps.account(), param(req, 'id'), actor(req)));
    res.json({
      adjustment: adjustmentView(r.adjustment, exponent),
      entry: { id: r.entry.id, key: r.entry.key, seq: r.entry.seq, period: r.entry.period },
    });
  });
  router.post('/adjustments/:id/reject', finance, async (req, res) => {
    const body = parseOr400(rejectBody, req.body ?? {}, 'body');
    const a = await ledgerErrors(async () =>
      rejectAdjustment(fd, await deps.account(), param(req, 'id'), actor(req), body.note),
    );
    res.json(adjustmentView(a, exponent));
  });

  router.get('/payouts', finance, async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    const runs = await fd.store.finance.payoutRuns(await deps.account());
    res.json({ runs: runs.map((r) => payoutRunView(r, exponent)) });
  });
  router.post('/payouts', finance, async (req, res) => {
    const body = parseOr400(runBody, req.body, 'body');
    const r = await ledgerErrors(async () =>
      createPayoutRun(fd, await deps.account(), body.cutoff, actor(req), settings(deps)),
    );
    res.status(201).json({
      run: payoutRunView(r.run, exponent),
      waiting: r.waiting.map((w) => ({ ...w, amount: formatMinor(w.amount, exponent) })),
    });
  });
  router.get('/payouts/:id', finance, async (req, res) => {
    const q = parseOr400(exportQuery, req.query, 'query');
    const account = await deps.account();
    const run = await fd.store.finance.payoutRun(account, param(req, 'id'));
    if (run === null) throw new HttpError(404, 'not_found', `payout run ${param(req, 'id')} does not exist`);
    if (q.format === 'json') {
      res.json(payoutRunView(run, exponent));
      return;
    }
    const csv =
      q.format === 'csv'
        ? payoutCsv(run, exponent)
        : await ledgerErrors(async () => wiseCsv(run, await openPayees(fd, deps.payeeKey, account), exponent));
    await fd.audit('payout.export', actor(req), run.id, { format: q.format });
    res.set('Content-Disposition', `attachment; filename="${run.id}${q.format === 'wise' ? '-wise' : ''}.csv"`);
    res.set('Cache-Control', 'no-store');
    res.type('text/csv; charset=utf-8').send(csv);
  });
  router.post('/payouts/:id/approve', finance, async (req, res) => {
    const account = await deps.account();
    const run = await ledgerErrors(async () => approvePayoutRun(fd, account, param(req, 'id'), actor(req)));
    await afterPayoutApproval(deps, account, run);
    res.json(payoutRunView(run, exponent));
  });
  router.post('/payouts/:id/cancel', finance, async (req, res) => {
    const run = await ledgerErrors(async () => cancelPayoutRun(fd, await deps.account(), param(req, 'id'), actor(req)));
    res.json(payoutRunView(run, exponent));
  });
  router.post('/payouts/:id/lines/:lineId', finance, async (req, res) => {
    const body = parseOr400(settleBody, req.body, 'body');
    const [r] = await settleLines(
      fd,
      await deps.account(),
      [
        {
          runId: param(req, 'id'),
          lineId: param(req, 'lineId'),
          status: body.status,
          reference: body.reference ?? null,
        },
      ],
      actor(req),
    );
    if (r === undefined || r.outcome === 'not_found') throw new HttpError(404, 'not_found', 'no such line in this run');
    if (r.outcome === 'final' || r.outcome === 'run_not_approved')
      throw new HttpError(409, 'conflict', r.message ?? '');
    res.json(r);
  });
  router.post(
    '/payouts/confirmations',
    finance,
    express.text({ type: ['text/csv', 'text/plain'], limit: BODY_LIMIT_BYTES }),
    async (req, res) => {
      if (typeof req.body !== 'string')
        throw new HttpError(415, 'unsupported_media_type', 'send the confirmation CSV as text/csv');
      const text = req.body;
      const items = await ledgerErrors(() => Promise.resolve(parseConfirmationCsv(text)));
      const results = await settleLines(fd, await deps.account(), items, actor(req));
      res.json({ results, settled: results.filter((r) => r.outcome === 'settled').length });
    },
  );

  router.get('/payees', finance, async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    res.json({ payees: await ledgerErrors(async () => listPayees(fd, deps.payeeKey, await deps.account())) });
  });
  router.put('/payees/:partnerId', finance, async (req, res) => {
    const partnerId = param(req, 'partnerId');
    const details = await ledgerErrors(() => Promise.resolve(parsePayee(req.body)));
    const masked = await ledgerErrors(async () =>
      savePayee(fd, deps.payeeKey, await deps.account(), partnerId, details, actor(req)),
    );
    res.json({ partnerId, payee: masked });
  });

  router.get('/statements/:partnerId/pdf', finance, async (req, res) => {
    const partnerId = param(req, 'partnerId');
    const q = parseOr400(periodQuery, req.query, 'query');
    const s = await ledgerErrors(async () => statements(deps, await deps.account(), q.period, partnerId));
    const pdf = await ledgerErrors(() => statementPdf(s, partnerId));
    await fd.audit('payout.export', actor(req), partnerId, { period: q.period, format: 'pdf', statement: true });
    res.set('Content-Disposition', `attachment; filename="statement-${partnerId}-${q.period}.pdf"`);
    res.set('Cache-Control', 'no-store');
    res.type('application/pdf').send(pdf);
  });

  router.get('/reconcile', finance, async (req, res) => {
    const q = parseOr400(reconcileQuery, req.query, 'query');
    const r = await ledgerErrors(async () => reconcile(fd, await deps.account(), q.period));
    await fd.audit('reconcile.run', actor(req), q.period ?? null, { ok: r.ok, differences: r.differences.length });
    res.json(r);
  });
  return router;
}

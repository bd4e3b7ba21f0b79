// The dashboard's finance pages (issue 20), mounted by index.ts behind the session: finance or
// admin only. Forms post here (CSRF-checked) and come back to the page with a notice or the
// error, so the dashboard still runs without script. The use cases are the API's.

import type { Request, Response, Router, RequestHandler } from 'express';
import { formatMinor } from '../../domain/money.ts';
import { TimeZone, monthLabel } from '../../domain/time.ts';
import { AccountLostError, LedgerInputError } from '../../ledger/errors.ts';
import { adjustmentView, approveAdjustment, proposeAdjustment, rejectAdjustment } from '../../ledger/manual.ts';
import { openPayees } from '../../ledger/payees.ts';
import { payoutCsv, wiseCsv } from '../../ledger/payout-files.ts';
import { approvePayoutRun, cancelPayoutRun, createPayoutRun, settleLines } from '../../ledger/payouts.ts';
import { LockBusyError } from '../../store/account-lock.ts';
import { roleAtLeast } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { afterPayoutApproval, financeDepsOf } from '../routes/payouts.ts';
import type { SafeHtml } from './html.ts';
import { financeBody, payoutRunBody } from './pages/finance.ts';
import type { Session } from './session.ts';

export interface FinanceUiContext {
  deps: AppDeps;
  form: RequestHandler;
  render: (res: Response, title: string, body: SafeHtml) => Promise<void>;
  session: (res: Response) => Session;
  csrf: (s: Session) => string;
  /** Same origin and a valid CSRF token. */
  formOk: (req: Request, s: Session) => boolean;
}

const text = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

const back = (res: Response, to: string, o: { notice?: string; error?: string }): void => {
  const q = new URLSearchParams();
  if (o.notice !== undefined) q.set('notice', o.notice.slice(0, 300));
  if (o.error !== undefined) q.set('error', o.error.slice(0, 600));
  res.redirect(303, `${to}?${q.toString()}`);
};

const flashOf = (req: Request): { notice: string | null; error: string | null } => {
  const pick = (k: string): string | null => {
    const v = req.query[k];
    return typeof v === 'string' && v !== '' ? v.slice(0, 600) : null;
  };
  return { notice: pick('notice'), error: pick('error') };
};

export function financeUiRoutes(router: Router, ctx: FinanceUiContext): void {
  const { deps } = ctx;
  const fd = financeDepsOf(deps, 'dashboard');
  const { exponent, currency, timezone } = deps.config.program;

  const finance = (res: Response): Session => {
    const s = ctx.session(res);
    if (!roleAtLeast(s.role, 'finance'))
      throw new HttpError(403, 'forbidden', 'The finance pages need a finance or admin sign-in.');
    return s;
  };

  /** Runs a form action; input errors (and a sync holding the account) go back to the page. */
  const action =
    (to: (req: Request) => string, fn: (req: Request, s: Session, account: string) => Promise<string>) =>
    async (req: Request, res: Response): Promise<void> => {
      const s = finance(res);
      if (!ctx.formOk(req, s))
        throw new HttpError(
          403,
          'forbidden',
          'This form did not come from this site, or it is stale. Reload the page and try again.',
        );
      try {
        back(res, to(req), { notice: await fn(req, s, await deps.account()) });
      } catch (err) {
        if (err instanceof LedgerInputError || err instanceof LockBusyError || err instanceof AccountLostError)
          back(res, to(req), { error: err.message });
        else throw err;
      }
    };
  const financePage = (): string => '/ui/finance';
  const runPage = (req: Request): string => `/ui/finance/payouts/${encodeURIComponent(String(req.params['id']))}`;

  router.get('/finance', async (req, res) => {
    const s = finance(res);
    const account = await deps.account();
    // the partners' names only (issue 21: not the whole snapshot cache)
    const [adjustments, runs, partners] = await Promise.all([
      fd.store.finance.adjustments(account),
      fd.store.finance.payoutRuns(account),
      deps.store.cachedPartnerNames(account),
    ]);
    const tz = new TimeZone(timezone);
    await ctx.render(
      res,
      'Finance',
      financeBody({
        user: s.label,
        csrf: ctx.csrf(s),
        currency,
        exponent,
        timezone,
        adjustments: [...adjustments].reverse(),
        runs: [...runs].reverse(),
        partners: partners.sort((a, b) => a.name.localeCompare(b.name)),
        currentMonth: monthLabel(tz.monthOf(deps.clock.now())),
        ...flashOf(req),
      }),
    );
  });

  router.post(
    '/finance/adjustments',
    ctx.form,
    action(financePage, async (req, s, account) => {
      const a = await proposeAdjustment(
        fd,
        account,
        {
          partnerId: text(req, 'partnerId'),
          amount: text(req, 'amount'),
          reason: text(req, 'reason'),
          description: text(req, 'description'),
          period: text(req, 'period'),
        },
        s.label,
      );
      return `Proposed ${String(adjustmentView(a, exponent)['amount'])} ${currency} for ${a.partnerName}; another finance user approves it.`;
    }),
  );
  router.post(
    '/finance/adjustments/:id/approve',
    ctx.form,
    action(financePage, async (req, s, account) => {
      const r = await approveAdjustment(fd, account, String(req.params['id']), s.label);
      return `Approved: ${formatMinor(r.entry.amount, exponent)} ${currency} for ${r.entry.partnerName} booked in ${r.entry.period}.`;
    }),
  );
  router.post(
    '/finance/adjustments/:id/reject',
    ctx.form,
    action(financePage, async (req, s, account) => {
      await rejectAdjustment(fd, account, String(req.params['id']), s.label, '');
      return 'Rejected.';
    }),
  );
  router.post('/finance/payouts', ctx.form, async (req, res) => {
    const s = finance(res);
    if (!ctx.formOk(req, s))
      throw new HttpError(403, 'forbidden', 'This form did not come from this site, or it is stale.');
    const p = deps.config.config.finance?.payouts;
    try {
      const r = await createPayoutRun(fd, await deps.account(), text(req, 'cutoff'), s.label, {
        minimum: p?.minimum ?? '0',
        holdPartners: p?.holdPartners ?? [],
      });
      back(res, `/ui/finance/payouts/${r.run.id}`, {
        notice: `Created ${r.run.id} with ${r.run.lines.length} lines; another finance user approves it.`,
      });
    } catch (err) {
      if (err instanceof LedgerInputError || err instanceof LockBusyError || err instanceof AccountLostError)
        back(res, '/ui/finance', { error: err.message });
      else throw err;
    }
  });

  router.get('/finance/payouts/:id', async (req, res) => {
    const s = finance(res);
    const run = await fd.store.finance.payoutRun(await deps.account(), req.params['id']);
    if (run === null) throw new HttpError(404, 'not_found', 'There is no such payout run.');
    await ctx.render(
      res,
      `Payout run ${run.id}`,
      payoutRunBody({ run, user: s.label, csrf: ctx.csrf(s), currency, exponent, timezone, ...flashOf(req) }),
    );
  });
  router.get('/finance/payouts/:id/export', async (req, res) => {
    const s = finance(res);
    const account = await deps.account();
    const run = await fd.store.finance.payoutRun(account, req.params['id']);
    if (run === null) throw new HttpError(404, 'not_found', 'There is no such payout run.');
    const wise = req.query['format'] === 'wise';
    let csv: string;
    try {
      csv = wise ? wiseCsv(run, await openPayees(fd, deps.payeeKey, account), exponent) : payoutCsv(run, exponent);
    } catch (err) {
      if (err instanceof LedgerInputError) throw new HttpError(400, 'invalid_request', err.message);
      throw err;
    }
    await fd.audit('payout.export', s.label, run.id, { format: wise ? 'wise' : 'csv' });
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="${run.id}${wise ? '-wise' : ''}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(csv);
  });
  router.post(
    '/finance/payouts/:id/approve',
    ctx.form,
    action(runPage, async (req, s, account) => {
      const run = await approvePayoutRun(fd, account, String(req.params['id']), s.label);
      await afterPayoutApproval(deps, account, run);
      return `Approved ${run.id}: export the payment file, then mark each line paid or failed.`;
    }),
  );
  router.post(
    '/finance/payouts/:id/cancel',
    ctx.form,
    action(runPage, async (req, s, account) => {
      await cancelPayoutRun(fd, account, String(req.params['id']), s.label);
      return 'Cancelled: its entries are unpaid again.';
    }),
  );
  router.post(
    '/finance/payouts/:id/lines/:lineId',
    ctx.form,
    action(runPage, async (req, s, account) => {
      const status = text(req, 'status');
      if (status !== 'paid' && status !== 'failed') throw new LedgerInputError('status: must be paid or failed');
      const reference = text(req, 'reference').trim();
      const [r] = await settleLines(
        fd,
        account,
        [
          {
            runId: String(req.params['id']),
            lineId: String(req.params['lineId']),
            status,
            reference: reference === '' ? null : reference,
          },
        ],
        s.label,
      );
      if (r === undefined || (r.outcome !== 'settled' && r.outcome !== 'unchanged'))
        throw new LedgerInputError(`${String(req.params['lineId'])}: ${r?.message ?? 'not marked'}`);
      return `${r.lineId} marked ${status}.`;
    }),
  );
}

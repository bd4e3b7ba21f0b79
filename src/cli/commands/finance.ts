// Finance commands of issue 20: `adjustments` (list, propose, approve, reject), `payouts` (list,
// create, approve, cancel, export, mark, confirm), `payees set`, `statement-pdf` and `reconcile`.
// Who acts is `--by NAME` (recorded, and compared for the four-eyes rule); the CLI trusts the
// shell user it runs for, the API the token's name or the SSO user.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, EXIT_RUN_FAILED, type CliContext } from '../context.ts';
import { financeAudit } from '../../audit/finance-audit.ts';
import { formatMinor } from '../../domain/money.ts';
import { statements, toJsonText } from '../../ledger/exports.ts';
import type { FinanceDeps } from '../../ledger/finance-deps.ts';
import { adjustmentView, approveAdjustment, proposeAdjustment, rejectAdjustment } from '../../ledger/manual.ts';
import { parsePayeeKey } from '../../ledger/payee-crypto.ts';
import { openPayees, parsePayee, savePayee } from '../../ledger/payees.ts';
import { parseConfirmationCsv, payoutCsv, wiseCsv } from '../../ledger/payout-files.ts';
import {
  approvePayoutRun,
  cancelPayoutRun,
  createPayoutRun,
  payoutRunView,
  settleLines,
} from '../../ledger/payouts.ts';
import { reconcile } from '../../ledger/reconcile.ts';
import { statementPdf } from '../../ledger/statement-pdf.ts';
import { silentLogger } from '../../log.ts';
import { payoutApprovedNotification, statementEmails } from '../../notify/finance-events.ts';
import { emit } from './export.ts';
import { withLedger, type OpenedLedger, type StoreCommandOptions } from './sync.ts';

interface FinanceOptions extends StoreCommandOptions {
  by?: string;
  json?: boolean;
  out?: string;
  [key: string]: unknown;
}

const common = (cmd: Command): Command =>
  cmd
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--account <key>', 'CRM account (when the store holds several)');

function financeDeps(l: OpenedLedger): FinanceDeps {
  return { ...l.deps, store: l.store, audit: financeAudit({ ...l.deps, logger: silentLogger() }, 'cli') };
}

function by(opts: FinanceOptions): string {
  const who = opts.by?.trim() ?? '';
  if (who === '')
    throw new CliError(EXIT_BAD_INPUT, ['--by: say who acts (your name); approvals must come from someone else']);
  return who;
}

function payeeKey(ctx: CliContext, l: OpenedLedger): Buffer | undefined {
  const name = l.loaded.config.finance?.payees?.keyEnv;
  if (name === undefined) return undefined;
  const value = ctx.env[name];
  if (value === undefined || value.trim() === '')
    throw new CliError(EXIT_BAD_INPUT, [`finance.payees.keyEnv names ${name}, which is not set in the environment`]);
  return parsePayeeKey(name, value);
}

const print = (ctx: CliContext, value: unknown): void => {
  ctx.io.stdout(toJsonText(value));
};

export function registerFinance(program: Command, ctx: CliContext): void {
  // ---- adjustments -------------------------------------------------------------------------
  const adj = program
    .command('adjustments')
    .description('Manual ledger entries: propose one, have another finance user approve or reject it');
  common(adj.command('list').description('Adjustments, newest last'))
    .option('--status <status>', 'proposed, approved or rejected')
    .action(async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const status = opts['status'] as string | undefined;
        if (status !== undefined && !['proposed', 'approved', 'rejected'].includes(status))
          throw new CliError(EXIT_BAD_INPUT, [`--status: "${status}" is not proposed, approved or rejected`]);
        const list = await l.store.finance.adjustments(account, status as 'proposed' | undefined);
        print(
          ctx,
          list.map((a) => adjustmentView(a, l.loaded.program.exponent)),
        );
      });
    });
  common(adj.command('propose').description('Propose an entry (counts once someone else approves it)'))
    .requiredOption('--partner <id>', 'partner id')
    .requiredOption('--amount <decimal>', 'amount in the program currency; negative allowed (e.g. -40.00)')
    .requiredOption('--reason <text>', 'why (internal: exports and the audit log, never the statement)')
    .option('--description <text>', 'what the partner reads on the statement', 'Manual adjustment')
    .option('--deal <id>', 'the deal it is about')
    .requiredOption('--period <YYYY-MM>', 'the month it belongs to (a closed month books it in the next open one)')
    .option('--by <name>', 'who proposes it')
    .action(async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const a = await proposeAdjustment(
          financeDeps(l),
          account,
          {
            partnerId: String(opts['partner']),
            amount: String(opts['amount']),
            reason: String(opts['reason']),
            description: opts['description'] as string | undefined,
            dealId: opts['deal'] as string | undefined,
            period: String(opts['period']),
          },
          by(opts),
        );
        ctx.io.stdout(
          `proposed adjustment ${a.id}: ${String(opts['amount'])} for ${a.partnerId} in ${a.targetPeriod}; another finance user approves it with \`partnersync adjustments approve ${a.id} --by NAME\`\n`,
        );
      });
    });
  common(adj.command('approve').argument('<id>', 'adjustment id').description('Approve and post it (four eyes)'))
    .option('--by <name>', 'who approves it (not who proposed it)')
    .action(async (id: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const r = await approveAdjustment(financeDeps(l), account, id, by(opts));
        ctx.io.stdout(`approved ${id}: posted ${r.entry.key} (#${r.entry.seq}) in ${r.entry.period}\n`);
      });
    });
  common(adj.command('reject').argument('<id>', 'adjustment id').description('Reject it (nothing is posted)'))
    .option('--by <name>', 'who rejects it')
    .option('--note <text>', 'why', '')
    .action(async (id: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        await rejectAdjustment(
          financeDeps(l),
          account,
          id,
          by(opts),
          typeof opts['note'] === 'string' ? opts['note'] : '',
        );
        ctx.io.stdout(`rejected ${id}\n`);
      });
    });

  // ---- payouts ---------------------------------------------------------------------------------
  const pay = program
    .command('payouts')
    .description('Payout runs: gather what is owed, approve (four eyes), export, mark paid or failed');
  common(pay.command('list').description('Payout runs with their lines (JSON)')).action(
    async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        print(
          ctx,
          (await l.store.finance.payoutRuns(account)).map((r) => payoutRunView(r, l.loaded.program.exponent)),
        );
      });
    },
  );
  common(pay.command('create').description('A draft run for a cut-off date (payable on or before it, closed months)'))
    .requiredOption('--cutoff <YYYY-MM-DD>', 'cut-off date')
    .option('--by <name>', 'who creates it')
    .action(async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const p = l.loaded.config.finance?.payouts;
        const r = await createPayoutRun(financeDeps(l), account, String(opts['cutoff']), by(opts), {
          minimum: p?.minimum ?? '0',
          holdPartners: p?.holdPartners ?? [],
        });
        const exp = l.loaded.program.exponent;
        ctx.io.stdout(
          `created payout run ${r.run.id}: ${r.run.lines.length} lines, ${formatMinor(r.run.total, exp)} ${r.run.currency}\n`,
        );
        for (const w of r.waiting)
          ctx.io.stdout(`  waiting: ${w.partnerId} ${formatMinor(w.amount, exp)} (${w.reason.replaceAll('_', ' ')})\n`);
      });
    });
  common(pay.command('approve').argument('<runId>').description('Approve a draft run (not by its creator)'))
    .option('--by <name>', 'who approves it')
    .action(async (runId: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const run = await approvePayoutRun(financeDeps(l), account, runId, by(opts));
        const at = l.deps.clock.now();
        await payoutApprovedNotification(l.store, l.loaded, account, run, at);
        const periods = new Map<string, { id: string; name: string }[]>();
        const periodOf = new Map((await l.store.ledgerEntries(account, {})).map((e) => [e.id, e.period]));
        for (const line of run.lines)
          for (const period of new Set(line.entryIds.map((e) => periodOf.get(e)).filter((p) => p !== undefined)))
            periods.set(period, [...(periods.get(period) ?? []), { id: line.partnerId, name: line.partnerName }]);
        for (const [period, partners] of periods)
          await statementEmails(l.store, l.loaded, account, {
            trigger: 'payout.approved',
            period,
            partners,
            at,
            payoutRunId: run.id,
          });
        ctx.io.stdout(
          `approved ${runId}; the payout.approved notification is queued (sent by the running service or the next sync)\n`,
        );
      });
    });
  common(pay.command('cancel').argument('<runId>').description('Cancel a draft run (its entries are unpaid again)'))
    .option('--by <name>', 'who cancels it')
    .action(async (runId: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        await cancelPayoutRun(financeDeps(l), account, runId, by(opts));
        ctx.io.stdout(`cancelled ${runId}\n`);
      });
    });
  common(pay.command('export').argument('<runId>').description('The run as a generic CSV, or the Wise batch file'))
    .option('--format <csv|wise>', 'csv (every line) or wise (pending lines with payee details)', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--by <name>', 'who exports it (recorded)', 'cli')
    .action(async (runId: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const format = String(opts['format']);
        if (format !== 'csv' && format !== 'wise')
          throw new CliError(EXIT_BAD_INPUT, [`--format: "${format}" is not csv or wise`]);
        const run = await l.store.finance.payoutRun(account, runId);
        if (run === null) throw new CliError(EXIT_BAD_INPUT, [`payout run ${runId} does not exist`]);
        const fd = financeDeps(l);
        const exp = l.loaded.program.exponent;
        const text =
          format === 'csv' ? payoutCsv(run, exp) : wiseCsv(run, await openPayees(fd, payeeKey(ctx, l), account), exp);
        await fd.audit('payout.export', opts.by ?? 'cli', runId, { format });
        emit(ctx, text, opts.out);
      });
    });
  common(
    pay
      .command('mark')
      .argument('<runId>')
      .argument('<lineId>')
      .argument('<status>', 'paid or failed')
      .description('Mark one line'),
  )
    .option('--reference <text>', 'the bank or Wise reference')
    .option('--by <name>', 'who marks it')
    .action(async (runId: string, lineId: string, status: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        if (status !== 'paid' && status !== 'failed')
          throw new CliError(EXIT_BAD_INPUT, [`status: "${status}" is not paid or failed`]);
        const ref = opts['reference'] as string | undefined;
        const [r] = await settleLines(
          financeDeps(l),
          account,
          [{ runId, lineId, status, reference: ref ?? null }],
          by(opts),
        );
        if (r?.message != null && r.outcome !== 'unchanged')
          throw new CliError(EXIT_RUN_FAILED, [`${lineId}: ${r.message}`]);
        ctx.io.stdout(`${lineId}: ${status}\n`);
      });
    });
  common(
    pay
      .command('confirm')
      .argument('<file>', 'confirmation CSV: runId,lineId,status,reference')
      .description('Mark lines from a CSV'),
  )
    .option('--by <name>', 'who confirms')
    .action(async (file: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const items = parseConfirmationCsv(readFileSync(path.resolve(ctx.cwd, file), 'utf8'));
        const results = await settleLines(financeDeps(l), account, items, by(opts));
        const refused = results.filter((r) => r.outcome !== 'settled' && r.outcome !== 'unchanged');
        for (const r of results) ctx.io.stdout(`${r.runId} ${r.lineId} ${r.status}: ${r.message ?? 'done'}\n`);
        if (refused.length > 0) throw new CliError(EXIT_RUN_FAILED, [`${refused.length} line(s) not marked`]);
      });
    });

  // ---- payees, statements as PDF, reconcile -----------------------------------------------------
  const payees = program.command('payees').description('Payee details (sealed with finance.payees.keyEnv)');
  common(payees.command('set').argument('<partnerId>').description('Store a partner’s payee details from a JSON file'))
    .requiredOption('--file <json>', '{ "accountHolder", "currency", "iban" or "accountNumber", "email", "type" }')
    .option('--by <name>', 'who enters them')
    .action(async (partnerId: string, opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        let body: unknown;
        try {
          body = JSON.parse(readFileSync(path.resolve(ctx.cwd, String(opts['file'])), 'utf8'));
        } catch (err) {
          throw new CliError(EXIT_BAD_INPUT, [`--file: ${err instanceof Error ? err.message : String(err)}`]);
        }
        const masked = await savePayee(
          financeDeps(l),
          payeeKey(ctx, l),
          account,
          partnerId,
          parsePayee(body),
          by(opts),
        );
        ctx.io.stdout(
          `payee details of ${partnerId} stored (${masked.accountHolder}, ${masked.currency}, account ${masked.account})\n`,
        );
      });
    });

  common(
    program
      .command('statement-pdf')
      .description("A partner's statement for a month as PDF (same lines and totals as the CSV)"),
  )
    .requiredOption('--period <YYYY-MM>', 'the month')
    .requiredOption('--partner <id>', 'the partner')
    .requiredOption('--out <file>', 'the PDF file to write')
    .action(async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const partner = String(opts['partner']);
        const pdf = await statementPdf(await statements(l.deps, account, String(opts['period']), partner), partner);
        const file = path.resolve(ctx.cwd, String(opts.out));
        writeFileSync(file, pdf);
        ctx.io.stderr(`wrote ${file}\n`);
      });
    });

  common(
    program
      .command('reconcile')
      .description(
        'Check ledger = exports = statements = payout runs + unpaid balance; exit 1 naming every difference',
      ),
  )
    .option('--period <YYYY-MM>', 'one month (default: every month with entries)')
    .option('--json', 'the full result as JSON')
    .option('--by <name>', 'who runs it (recorded)', 'cli')
    .action(async (opts: FinanceOptions) => {
      await withLedger(ctx, opts, async (l, account) => {
        const fd = financeDeps(l);
        const period = opts['period'] as string | undefined;
        const r = await reconcile(fd, account, period);
        await fd.audit('reconcile.run', opts.by ?? 'cli', period ?? null, {
          ok: r.ok,
          differences: r.differences.length,
        });
        if (opts.json === true) print(ctx, r);
        else
          ctx.io.stdout(
            `${r.entries} entries, ${r.periods.length} month(s): earned ${r.total.earned}, paid ${r.total.paid}, in payout runs ${r.total.pending}, unpaid ${r.total.unpaid}\n`,
          );
        if (!r.ok)
          throw new CliError(
            EXIT_RUN_FAILED,
            r.differences.map((d) => `difference: ${d.message}`),
          );
        if (opts.json !== true) ctx.io.stdout('reconciled: ledger, exports, statements and payout runs agree\n');
      });
    });

  for (const sub of [adj, ...adj.commands, pay, ...pay.commands, payees, ...payees.commands])
    sub.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
}

// `partnersync partners invite --partner ID --email ADDRESS | list | revoke ID`: partner users
// (issue 19, src/sync/partner-users.ts). The sign-in link points at server.publicUrl.

import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { Secrets } from '../../config/secrets.ts';
import { createLogger } from '../../log.ts';
import { createPortalMailer } from '../../notify/portal-mail.ts';
import { invitePartnerUser, PortalInputError, revokePartnerUser, type PortalDeps } from '../../sync/partner-users.ts';
import { withLedger, type OpenedLedger, type StoreCommandOptions } from './sync.ts';

interface PartnerOptions extends StoreCommandOptions {
  partner?: string;
  email?: string;
  by?: string;
  json?: boolean;
}

async function withPortal<T>(
  ctx: CliContext,
  opts: StoreCommandOptions,
  fn: (deps: PortalDeps, account: string, opened: OpenedLedger) => Promise<T>,
): Promise<T> {
  return withLedger(ctx, opts, async (opened, account) => {
    const logger = createLogger({ level: 'warn' });
    const mailer = createPortalMailer(opened.loaded, Secrets.fromEnv(opened.loaded.config, ctx.env));
    try {
      return await fn({ ...opened.deps, logger, mailer }, account, opened);
    } catch (err) {
      if (err instanceof PortalInputError) throw new CliError(EXIT_BAD_INPUT, [`${err.field}: ${err.message}`]);
      throw err;
    } finally {
      await mailer?.close();
    }
  });
}

export function registerPartners(program: Command, ctx: CliContext): void {
  const partners = program.command('partners').description('Partner users: invite, list, revoke (issue 19)');
  const common = (cmd: Command): Command =>
    cmd
      .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
      .option('--account <key>', 'CRM account (when the store holds several)');
  common(partners.command('invite').description("E-mail a partner's contact a single-use sign-in link"))
    .requiredOption('--partner <id>', 'the CRM id of the partner')
    .requiredOption('--email <address>', "the contact's e-mail address")
    .option('--by <name>', 'who invites (recorded in the audit log)', 'cli')
    .action(async (opts: PartnerOptions) => {
      await withPortal(ctx, opts, async (deps, account, opened) => {
        const publicUrl = opened.loaded.config.server.publicUrl;
        if (publicUrl === undefined)
          throw new CliError(EXIT_BAD_INPUT, [
            'server.publicUrl: set it to the address partners open (the sign-in link points there)',
          ]);
        const { user, expiresAt } = await invitePartnerUser(deps, {
          account,
          partnerId: opts.partner ?? '',
          email: opts.email ?? '',
          actor: opts.by ?? 'cli',
          baseUrl: publicUrl,
        });
        ctx.io.stdout(
          `invited ${user.email ?? ''} for partner ${user.partnerId} (user ${user.id}); the link works once, until ${new Date(expiresAt).toISOString()}\n`,
        );
      });
    });
  common(partners.command('list').description('Partner users with their status'))
    .option('--json', 'JSON instead of a table')
    .action(async (opts: PartnerOptions) => {
      await withPortal(ctx, opts, async (deps, account) => {
        const users = await deps.store.partners.listPartnerUsers(account);
        if (opts.json === true) {
          ctx.io.stdout(`${JSON.stringify(users, null, 2)}\n`);
          return;
        }
        if (users.length === 0) ctx.io.stdout('no partner users yet\n');
        for (const u of users)
          ctx.io.stdout(`${u.id}  ${u.partnerId.padEnd(20)}  ${u.status.padEnd(8)}  ${u.email ?? '(deleted)'}\n`);
      });
    });
  common(
    partners
      .command('revoke')
      .argument('<id>', 'the partner user id (see `partners list`)')
      .description('End a partner user’s access and delete the address'),
  )
    .option('--by <name>', 'who revokes (recorded in the audit log)', 'cli')
    .action(async (id: string, opts: PartnerOptions) => {
      await withPortal(ctx, opts, async (deps, account) => {
        const user = await revokePartnerUser(deps, { account, userId: id, actor: opts.by ?? 'cli' });
        ctx.io.stdout(`revoked partner user ${user.id} of partner ${user.partnerId}\n`);
      });
    });
  for (const sub of [partners, ...partners.commands])
    sub.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
}

// Admin pages for partner users and their registrations (issue 19): invite a partner contact,
// list and revoke users, approve (protection of registrations.protectionDays) or reject (with a
// reason) a registration. Decisions go to the CRM's registration fields and a targeted sync of
// the deal is queued, so the partner is told the same way as after a rep's decision.

import type { Request, Response, Router } from 'express';
import type { RequestHandler } from 'express';
import type { PartnerRegistration, PartnerUser } from '../../store/partner-portal.ts';
import {
  decideRegistration,
  invitePartnerUser,
  PortalInputError,
  revokePartnerUser,
  type PortalDeps,
} from '../../sync/partner-users.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { baseUrl } from '../sso/sso-routes.ts';
import { html, type SafeHtml } from './html.ts';

export interface PartnerAdminContext {
  deps: AppDeps;
  form: RequestHandler;
  /** Throws 403 unless the session is an admin's. */
  requireAdmin: (res: Response) => void;
  /** Throws 403 unless the form came from our page with this session's token. */
  checkForm: (req: Request, res: Response) => void;
  csrf: (res: Response) => string;
  actor: (res: Response) => string;
  render: (res: Response, title: string, body: SafeHtml) => Promise<void>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const field = (req: Request, name: string): string => str((req.body as Record<string, unknown> | undefined)?.[name]);
const iso = (ms: number | null): string =>
  ms === null ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function usersBody(users: readonly PartnerUser[], csrf: string, notice: string | null): SafeHtml {
  return html`${notice === null ? '' : html`<p role="status" data-notice>${notice}</p>`}
<form method="post" action="/ui/partner-users" class="toolbar" aria-label="Invite a partner contact"><input type="hidden" name="_csrf" value="${csrf}">
<div class="field"><label for="partnerId">Partner id</label><input id="partnerId" name="partnerId" required></div>
<div class="field"><label for="email">Contact e-mail</label><input id="email" name="email" type="email" required></div>
<button type="submit">Send sign-in link</button></form>
<table><caption>Partner users</caption><thead><tr><th scope="col">Partner</th><th scope="col">E-mail</th><th scope="col">Status</th><th scope="col">Invited by</th><th scope="col">Last sign-in</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${users.map(
    (u) =>
      html`<tr data-partner-user="${u.id}"><td>${u.partnerId}</td><td>${u.email ?? '(deleted)'}</td><td>${u.status}</td><td>${u.invitedBy}</td><td>${iso(u.lastSignInAt)}</td><td>${
        u.status === 'revoked'
          ? ''
          : html`<form method="post" action="/ui/partner-users/${u.id}/revoke"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Revoke</button></form>`
      }</td></tr>`,
  )}</tbody></table>`;
}

function registrationsBody(list: readonly PartnerRegistration[], csrf: string, notice: string | null): SafeHtml {
  return html`${notice === null ? '' : html`<p role="status" data-notice>${notice}</p>`}
<table><caption>Partner registrations, newest first</caption><thead><tr><th scope="col">Partner</th><th scope="col">Customer</th><th scope="col">Deal</th><th scope="col">Submitted</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Decide</th></tr></thead><tbody>${list.map(
    (r) =>
      html`<tr data-registration="${r.id}"><td>${r.partnerId}</td><td>${str(r.input['company'])} (${str(r.input['domain'])})</td><td>${r.dealId ?? ''}</td><td>${iso(r.submittedAt)}</td><td data-status>${r.state === 'done' ? (r.status ?? 'submitted') : r.state}</td><td>${r.reason ?? r.error ?? ''}</td><td>${
        r.state !== 'done'
          ? ''
          : html`<form method="post" action="/ui/registrations/${r.id}/decide"><input type="hidden" name="_csrf" value="${csrf}"><label for="reason-${r.id}">Reason</label> <input id="reason-${r.id}" name="reason" maxlength="2000"> <button type="submit" name="decision" value="approved">Approve</button> <button type="submit" name="decision" value="rejected">Reject</button></form>`
      }</td></tr>`,
  )}</tbody></table>`;
}

export function partnerAdminRoutes(router: Router, ctx: PartnerAdminContext): void {
  const { deps } = ctx;
  if (deps.config.config.registrations === undefined) return;
  const portal: PortalDeps = { ...deps, mailer: deps.mailer ?? null };
  const notice = (req: Request): string | null => {
    const n = req.query['notice'];
    return typeof n === 'string' && n.length <= 300 ? n : null;
  };
  const refused = (err: unknown): never => {
    if (err instanceof PortalInputError)
      throw new HttpError(err.status, 'invalid_request', `${err.field}: ${err.message}`);
    throw err;
  };

  router.get('/partner-users', async (req, res) => {
    ctx.requireAdmin(res);
    const users = await deps.store.partners.listPartnerUsers(await deps.account());
    await ctx.render(res, 'Partner users', usersBody(users, ctx.csrf(res), notice(req)));
  });

  router.post('/partner-users', ctx.form, async (req, res) => {
    ctx.requireAdmin(res);
    ctx.checkForm(req, res);
    const { user } = await invitePartnerUser(portal, {
      account: await deps.account(),
      partnerId: field(req, 'partnerId').trim(),
      email: field(req, 'email'),
      actor: ctx.actor(res),
      baseUrl: baseUrl(deps, req),
    }).catch(refused);
    res.redirect(303, `/ui/partner-users?notice=${encodeURIComponent(`Sign-in link sent to ${user.email ?? ''}.`)}`);
  });

  router.post('/partner-users/:id/revoke', ctx.form, async (req, res) => {
    ctx.requireAdmin(res);
    ctx.checkForm(req, res);
    await revokePartnerUser(portal, {
      account: await deps.account(),
      userId: String(req.params['id']),
      actor: ctx.actor(res),
    }).catch(refused);
    res.redirect(303, `/ui/partner-users?notice=${encodeURIComponent('Access revoked; the address is deleted.')}`);
  });

  router.get('/registrations', async (req, res) => {
    ctx.requireAdmin(res);
    const list = await deps.store.partners.registrations(await deps.account(), {});
    await ctx.render(res, 'Partner registrations', registrationsBody(list, ctx.csrf(res), notice(req)));
  });

  router.post('/registrations/:id/decide', ctx.form, async (req, res) => {
    ctx.requireAdmin(res);
    ctx.checkForm(req, res);
    const decision = field(req, 'decision');
    if (decision !== 'approved' && decision !== 'rejected')
      throw new HttpError(400, 'invalid_request', 'Press Approve or Reject.');
    if (deps.crm === undefined) throw new HttpError(501, 'unavailable', 'No CRM connection on this server.');
    const { dealId } = await decideRegistration(
      { ...portal, crm: deps.crm },
      {
        account: await deps.account(),
        registrationId: String(req.params['id']),
        decision,
        reason: field(req, 'reason'),
        actor: ctx.actor(res),
      },
    ).catch(refused);
    // the partner is told after the sync that reads the deal back
    deps.syncs.enqueue({ deals: [dealId], partners: [] });
    res.redirect(
      303,
      `/ui/registrations?notice=${encodeURIComponent(`Registration ${decision}; the partner is told after the next sync.`)}`,
    );
  });
}

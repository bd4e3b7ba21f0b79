// The dashboard under /ui (issue 9): server-rendered pages, no script, no external resources.
// A login form exchanges an API token for a signed session cookie (session.ts); the session's
// role decides what is shown (commission lines only for finance and admin). Mounted by
// createApp before the JSON body parser; form posts are parsed here (urlencoded, small).

import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { auditCsv } from '../../audit/audit-csv.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { EVENT_TYPES } from '../../config/notifications-schema.ts';
import { AUDIT_ACTIONS } from '../../store/notifications.ts';
import { formatMinor } from '../../domain/money.ts';
import type { AppDeps } from '../deps.ts';
import { findToken, roleAtLeast } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { baseUrl, ID_TOKEN_COOKIE, ssoRoutes } from '../sso/sso-routes.ts';
import { assetRoutes } from './assets.ts';
import { crmLinker } from './crm-links.ts';
import { partnerAdminRoutes } from './partner-admin.ts';
import { financeUiRoutes } from './finance-routes.ts';
import {
  alertSummary,
  lastChartMonth,
  ledgerTotalsView,
  ledgerView,
  loadCurrent,
  openAlerts,
  partnerRow,
  partnerRows,
  type Current,
} from './data.ts';
import { html, type SafeHtml } from './html.ts';
import { HistoryCache, storedHistory } from './history.ts';
import { page, type Section, type Shell } from './layout.ts';
import { alertsBody, alertsPaging, alertsQuery } from './pages/alerts.ts';
import { auditBody } from './pages/audit.ts';
import { periodsBody } from './pages/periods.ts';
import { rejectedBody } from './pages/rejected.ts';
import type { RejectedDeal } from '../../sync/rejection-details.ts';
import { recipeFlags } from '../../sync/queries.ts';
import { listPeriods } from '../../ledger/periods.ts';
import { errorPage } from './pages/errors.ts';
import { loginPage } from './pages/login.ts';
import { localTime, notificationsBody } from './pages/notifications.ts';
import { signingOutPage } from './pages/sso.ts';
import { writeFailuresBody } from './pages/write-failures.ts';
import { partnerBody } from './pages/partner.ts';
import {
  partnersBody,
  partnersPageInMemory,
  partnersQuery,
  partnersQueryError,
  sortDir,
  type PartnersPage,
} from './pages/partners.ts';
import { programBody } from './pages/program.ts';
import { recipeRows, recipesBody } from './pages/recipes.ts';
import {
  cookieHeader,
  LOGIN_COOKIE,
  LOGIN_TTL_MS,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SessionKeeper,
  type Session,
} from './session.ts';

/** Failed sign-ins a client address may make per window before the form is refused (429). */
export const LOGIN_FAILURES_ALLOWED = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  next();
}

/** Where to go after login: a path of the dashboard, nothing else (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/ui(?:[/?][^\\\s]*)?$/.test(value) &&
    !value.startsWith('//') &&
    value.length <= 500
    ? value
    : '/ui';
}

/**
 * A form post must come from our own pages: browsers send Origin (and Sec-Fetch-Site) on
 * POSTs; when present they must name this host. Only the host is compared: behind a TLS proxy
 * without server.trustProxy the app sees http while the browser says https. The CSRF token is
 * checked as well.
 */
function sameOrigin(req: Request): boolean {
  if (req.get('sec-fetch-site') === 'cross-site') return false;
  const origin = req.get('origin');
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === req.get('host');
}

const sendHtml = (res: Response, status: number, body: string): void => {
  res.status(status).set('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body);
};

const formField = (req: Request, name: string): unknown => (req.body as Record<string, unknown> | undefined)?.[name];

const sessionOf = (res: Response): Session => {
  const s = res.locals['session'] as Session | undefined;
  if (s === undefined) throw new HttpError(401, 'unauthorized', 'Please sign in.');
  return s;
};

const localDay = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
);
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const auditPageQuery = z.object({
  action: blank(z.enum(AUDIT_ACTIONS)),
  actor: blank(z.string().max(200)),
  from: localDay,
  to: localDay,
});
const notificationsPageQuery = z.object({
  status: blank(z.enum(['pending', 'sent', 'failed', 'expanded', 'skipped'])),
  type: blank(z.enum(EVENT_TYPES)),
});

export function uiRoutes(deps: AppDeps): Router {
  const router = Router();
  const auth = deps.config.config.auth;
  const sessions = new SessionKeeper({
    secret: deps.sessionSecret,
    clock: deps.clock,
    tokens: deps.tokens,
    tokenSessions: auth.tokenSignIn,
    ssoSessions: deps.sso !== undefined,
  });
  const history = new HistoryCache();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const currency = deps.config.program.currency;

  const cookie = (req: Request, name: string, value: string, maxAgeMs: number, sameSite?: 'Strict' | 'Lax'): string =>
    cookieHeader(name, value, {
      secure: req.secure,
      maxAgeSeconds: Math.floor(maxAgeMs / 1000),
      ...(sameSite === undefined ? {} : { sameSite }),
    });

  router.use(securityHeaders);
  assetRoutes(router);

  // ---- login and logout --------------------------------------------------------------------

  const renderLogin = (
    req: Request,
    res: Response,
    status: number,
    o: { next: string; error: string | null; notice: string | null },
  ): void => {
    const nonce = sessions.loginNonce();
    res.append('Set-Cookie', cookie(req, LOGIN_COOKIE, nonce.value, LOGIN_TTL_MS));
    sendHtml(
      res,
      status,
      loginPage({ csrf: nonce.csrf, ...o, tokenSignIn: auth.tokenSignIn, sso: deps.sso?.displayName ?? null }),
    );
  };

  if (deps.sso !== undefined) ssoRoutes(router, { deps, sso: deps.sso, sessions, cookie, sendHtml, safeNext });

  router.get('/login', (req, res) => {
    const next = safeNext(req.query['next']);
    if (sessions.verify(readCookie(req.get('cookie'), SESSION_COOKIE)) !== null) {
      res.redirect(303, next);
      return;
    }
    renderLogin(req, res, 200, {
      next,
      error: null,
      notice: req.query['signedOut'] === '1' ? 'You are signed out.' : null,
    });
  });

  // Failed sign-ins per client address (the forwarded one behind a trusted proxy): counted when
  // a token is refused, checked before the form is read.
  const failedLogins = rateLimit({
    windowMs: LOGIN_FAILURE_WINDOW_MS,
    limit: LOGIN_FAILURES_ALLOWED,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    handler: (req, res) => {
      deps.logger.warn({ requestId: res.locals['requestId'] as unknown }, 'dashboard login refused: too many failures');
      renderLogin(req, res, 429, {
        next: '/ui',
        error: `Too many failed sign-ins from this address. Wait ${LOGIN_FAILURE_WINDOW_MS / 60_000} minutes and try again.`,
        notice: null,
      });
    },
  });

  router.post('/login', failedLogins, form, async (req, res) => {
    const next = safeNext(formField(req, 'next'));
    if (!auth.tokenSignIn) {
      renderLogin(req, res, 403, {
        next,
        error: 'Sign-in with an API token is switched off here; use your company account.',
        notice: null,
      });
      return;
    }
    if (!sameOrigin(req) || !sessions.useLogin(readCookie(req.get('cookie'), LOGIN_COOKIE), formField(req, '_csrf'))) {
      deps.logger.warn(
        { requestId: res.locals['requestId'] as unknown },
        'dashboard login refused: missing or stale form token',
      );
      renderLogin(req, res, 403, {
        next,
        error: 'This sign-in form expired or did not come from this site. Please try again.',
        notice: null,
      });
      return;
    }
    const token = formField(req, 'token');
    const entry = typeof token === 'string' && token.length <= 1024 ? findToken(deps.tokens, token.trim()) : null;
    if (entry === null) {
      deps.logger.warn({ requestId: res.locals['requestId'] as unknown }, 'dashboard login refused: token not valid');
      await recordAudit(deps, 'signin.failed', 'unknown', null, { via: 'token', reason: 'token not valid' });
      renderLogin(req, res, 401, {
        next,
        error: 'That token is not valid. Check PARTNERSYNC_TOKENS and try again.',
        notice: null,
      });
      return;
    }
    const { value, session } = sessions.issue(entry);
    deps.logger.info({ principal: session.label }, 'dashboard session started');
    await recordAudit(deps, 'signin', session.label, null, { via: 'token', role: session.role });
    res.append('Set-Cookie', cookie(req, SESSION_COOKIE, value, SESSION_TTL_MS));
    res.append('Set-Cookie', cookie(req, LOGIN_COOKIE, '', 0));
    res.redirect(303, next);
  });

  const endSession = (req: Request, res: Response, providerLogout: string | null): void => {
    res.append('Set-Cookie', cookie(req, SESSION_COOKIE, '', 0));
    res.append('Set-Cookie', cookie(req, ID_TOKEN_COOKIE, '', 0));
    // a page that moves on rather than a redirect: form-action 'self' would block a form's redirect elsewhere
    if (providerLogout !== null) sendHtml(res, 200, signingOutPage(providerLogout));
    else res.redirect(303, '/ui/login?signedOut=1');
  };

  router.post(
    '/logout',
    (req, res, next) => {
      // no session: nothing to end, and the form is not read
      const session = sessions.verify(readCookie(req.get('cookie'), SESSION_COOKIE));
      if (session === null) {
        endSession(req, res, null);
        return;
      }
      res.locals['session'] = session;
      next();
    },
    form,
    async (req, res) => {
      const session = sessionOf(res);
      if (!sameOrigin(req) || !sessions.checkCsrf(session, formField(req, '_csrf'))) {
        sendHtml(
          res,
          403,
          errorPage(
            403,
            'This sign-out form did not come from this site, or it is stale. Reload the page and try again.',
            { role: session.role, csrf: sessions.csrfToken(session) },
            undefined,
          ),
        );
        return;
      }
      sessions.revoke(session);
      deps.logger.info({ principal: session.label }, 'dashboard session ended');
      await recordAudit(deps, 'signout', session.label, null, { via: session.via });
      let providerLogout: string | null = null;
      if (session.via === 'sso' && deps.sso !== undefined) {
        // RP-initiated logout: the provider ends its own session and sends the browser back here
        providerLogout = await deps.sso
          .endSessionUrl({
            idToken: readCookie(req.get('cookie'), ID_TOKEN_COOKIE),
            postLogoutRedirectUri: `${baseUrl(deps, req)}/ui/login?signedOut=1`,
          })
          .catch((err: unknown) => {
            deps.logger.warn({ err }, 'sso: no end-session URL; signed out of the dashboard only');
            return null;
          });
      }
      endSession(req, res, providerLogout);
    },
  );

  // ---- everything below needs a session ------------------------------------------------------

  router.use((req, res, next) => {
    const session = sessions.verify(readCookie(req.get('cookie'), SESSION_COOKIE));
    if (session === null) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, `/ui/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
        return;
      }
      sendHtml(res, 401, errorPage(401, 'Your session has ended. Please sign in again.', null, undefined));
      return;
    }
    res.locals['session'] = session;
    req.principal = { role: session.role, label: session.label, via: 'session' };
    next();
  });

  const shell = async (res: Response, title: string, section: Section, c: Current | null): Promise<Shell> => {
    const session = sessionOf(res);
    const account = c?.account ?? (await deps.account());
    const [openAlerts, runs] = await Promise.all([
      deps.store.openEpisodeTotal(account),
      deps.store.listRuns(account, 1),
    ]);
    const run = runs[0];
    const tz = deps.config.program.timezone;
    const lastSync =
      run === undefined
        ? 'no sync yet'
        : // date and time both in the program zone, with its abbreviation (issue 17)
          `last sync ${run.status} ${run.finishedAt === null ? '(running)' : localTime(run.finishedAt, tz)}`;
    return {
      title,
      section,
      user: { role: session.role, csrf: sessions.csrfToken(session), name: session.label },
      period: c?.period.label,
      openAlerts,
      footer: html`Amounts in ${currency} · program time zone ${tz}${c === null ? '' : html` · as of ${c.result.asOf}`} · ${lastSync}`,
    };
  };

  const render = async (
    res: Response,
    title: string,
    section: Section,
    c: Current | null,
    body: SafeHtml,
  ): Promise<void> => {
    sendHtml(res, 200, page(await shell(res, title, section, c), body));
  };

  router.get('/', async (req, res) => {
    const c = await loadCurrent(deps, req.query['period']);
    const lastMonth = lastChartMonth(c);
    const [ledger, hist, periods, top] = await Promise.all([
      ledgerTotalsView(deps, c),
      storedHistory(deps, c.view.basis, lastMonth).then(
        (stored) =>
          stored ??
          history.get({ store: deps.store, config: deps.config, account: c.account, lastMonth, asOf: c.asOf }),
      ),
      deps.store.ledgerPeriods(c.account),
      c.view.partners({ ids: c.result.program.topPartners }),
    ]);
    const bookedByMonth = new Map(periods.map((p) => [p.period, formatMinor(p.net, deps.config.program.exponent)]));
    await render(
      res,
      `Program ${c.period.label}`,
      'program',
      c,
      programBody({ c, ledger, history: hist, bookedByMonth, currency, partnerCount: c.result.partners, top }),
    );
  });

  router.get('/recipes', async (req, res) => {
    const c = await loadCurrent(deps, req.query['period']);
    const flagsOver = await recipeFlags(deps, c.account, c.view.basis);
    const rows = recipeRows(
      c,
      deps.config.programConfig.recipes,
      deps.config.program.alerts.recipeUnusedDays,
      flagsOver,
    );
    const plans = new Set(Object.keys(deps.config.programConfig.plans));
    await render(
      res,
      `Recipe box ${c.period.label}`,
      'recipes',
      c,
      recipesBody(c, rows, currency, deps.config.program.alerts.recipeUnusedDays, plans, flagsOver.window),
    );
  });

  const recipeList = (): { id: string; name: string }[] =>
    Object.entries(deps.config.programConfig.recipes)
      .map(([id, r]) => ({ id, name: r.name }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));

  router.get('/partners', async (req, res) => {
    const parsed = partnersQuery.safeParse(req.query);
    if (!parsed.success) throw new HttpError(400, 'invalid_request', partnersQueryError(parsed.error.issues));
    const q = parsed.data;
    const c = await loadCurrent(deps, q.period);
    let list: PartnersPage;
    if (c.view.page !== undefined) {
      // a stored period: sorted, filtered and paged in the store (issue 21), alerts of the page's partners
      const found = await c.view.page({
        sort: q.sort,
        dir: sortDir(q),
        offset: (q.page - 1) * q.size,
        limit: q.size,
        band: q.band,
        recipe: q.recipe,
        tier: q.tier,
        q: q.q,
        withAlerts: q.alerts === 'open',
      });
      const open = await deps.store.episodes(c.account, { partnerIds: found.rows.map((r) => r.id), openOnly: true });
      const byPartner = new Map<string | null, typeof open>();
      for (const e of open) byPartner.set(e.partnerId, [...(byPartner.get(e.partnerId) ?? []), e]);
      list = {
        rows: found.rows.map((r) => partnerRow(r, alertSummary(byPartner.get(r.id) ?? []))),
        matching: found.matching,
        total: c.result.partners,
        tiers: found.tiers,
      };
    } else list = partnersPageInMemory(await partnerRows(c, await deps.store.openEpisodeCounts(c.account)), q);
    await render(res, 'Partners', 'partners', c, partnersBody(c, list, q, currency, recipeList()));
  });

  router.get('/partners/:id', async (req, res) => {
    const id = req.params['id'];
    const c = await loadCurrent(deps, req.query['period']);
    const read = await c.view.partner(id);
    if (read === null) throw new HttpError(404, 'not_found', 'There is no partner with this id in the last sync.');
    const alerts = await openAlerts(deps, c.account, id);
    const row = partnerRow(read, alertSummary(alerts));
    const session = sessionOf(res);
    const lastMonth = lastChartMonth(c);
    const [ledger, hist] = await Promise.all([
      ledgerView(deps, c, id),
      storedHistory(deps, c.view.basis, lastMonth, id).then(
        (stored) =>
          stored ??
          history.get({ store: deps.store, config: deps.config, account: c.account, lastMonth, asOf: c.asOf }),
      ),
    ]);
    await render(
      res,
      row.name,
      'partners',
      c,
      partnerBody({
        c,
        row,
        out: read.out,
        health: read.health,
        recipeName: read.recipeName,
        history: hist,
        alerts,
        ledger,
        showLines: roleAtLeast(session.role, 'finance'),
        linker: crmLinker(deps.config, c.account),
        currency,
        minClosedForWinRate: deps.config.program.alerts.minClosedForWinRate,
      }),
    );
  });

  router.get('/alerts', async (req, res) => {
    const parsed = alertsQuery.safeParse(req.query);
    if (!parsed.success)
      throw new HttpError(
        400,
        'invalid_request',
        'The severity parameter must be one of critical, warning or info; code an alert code; page a page number.',
      );
    const account = await deps.account();
    // counted and paged in the store (issue 21): a page reads its 50 alerts, not every open one
    const counts = await deps.store.openEpisodeCodes(account);
    const { offset, limit } = alertsPaging(counts, parsed.data);
    const slice = await deps.store.openEpisodePage(account, { ...parsed.data, offset, limit });
    const names = await deps.store.cachedNames(
      account,
      'partner',
      slice.flatMap((a) => (a.partnerId === null ? [] : [a.partnerId])),
    );
    const body = alertsBody({
      counts,
      slice,
      severity: parsed.data.severity,
      code: parsed.data.code,
      page: parsed.data.page,
      names,
      linker: crmLinker(deps.config, account),
      timezone: deps.config.program.timezone,
    });
    await render(res, 'Alerts', 'alerts', null, body);
  });

  router.get('/rejected', async (_req, res) => {
    const account = await deps.account();
    const runs = await deps.store.listRuns(account, 20);
    // the newest successful run (a failed or stopped one may not have reached the computation)
    const newest = runs.find((r) => r.status === 'succeeded' && r.finishedAt !== null);
    // an idle run computed nothing: the run whose results stand (skipped.computedBy) has the list
    const computedBy = (newest?.report['skipped'] as { computedBy?: unknown } | undefined)?.computedBy;
    const run = (typeof computedBy === 'string' ? await deps.store.getRun(computedBy) : newest) ?? undefined;
    const listed = (run?.report['snapshot'] as { rejected?: unknown } | undefined)?.rejected;
    // runs recorded before issue 17 have no detail
    const rejected = (Array.isArray(listed) ? listed : []) as (Omit<RejectedDeal, 'detail'> & { detail?: string })[];
    const names = await deps.store.cachedNames(
      account,
      'deal',
      rejected.map((r) => r.dealId),
    );
    await render(
      res,
      'Rejected deals',
      'rejected',
      null,
      rejectedBody({
        run: run === undefined || run.finishedAt === null ? null : { id: run.id, finishedAt: run.finishedAt },
        rejected: rejected.map((r) => ({ ...r, detail: r.detail ?? r.reason })),
        names,
        linker: crmLinker(deps.config, account),
        timezone: deps.config.program.timezone,
      }),
    );
  });

  router.get('/periods', async (_req, res) => {
    if (!roleAtLeast(sessionOf(res).role, 'finance'))
      throw new HttpError(403, 'forbidden', 'This page is for finance and admins.');
    const periods = await listPeriods(deps, await deps.account());
    await render(
      res,
      'Ledger periods',
      'periods',
      null,
      periodsBody({ periods, timezone: deps.config.program.timezone, currency }),
    );
  });

  // ---- admin pages: notifications and the audit log (issue 18) --------------------------------

  const requireAdmin = (res: Response): void => {
    if (!roleAtLeast(sessionOf(res).role, 'admin')) throw new HttpError(403, 'forbidden', 'This page is for admins.');
  };
  const tz = deps.config.program.timezone;
  const dayStart = (day: string | undefined, plus = 0): number | undefined =>
    day === undefined ? undefined : DateTime.fromISO(day, { zone: tz }).plus({ days: plus }).toMillis();
  const auditFilter = (req: Request): z.output<typeof auditPageQuery> => {
    const parsed = auditPageQuery.safeParse(req.query);
    if (!parsed.success)
      throw new HttpError(
        400,
        'invalid_request',
        'The filter is not valid: dates are YYYY-MM-DD, the action one of the list.',
      );
    return parsed.data;
  };

  router.get('/notifications', async (req, res) => {
    requireAdmin(res);
    const parsed = notificationsPageQuery.safeParse(req.query);
    if (!parsed.success) throw new HttpError(400, 'invalid_request', 'Pick the status and event from the lists.');
    const list = await deps.store.listNotifications({
      account: await deps.account(),
      status: parsed.data.status,
      type: parsed.data.type,
      limit: 200,
    });
    await render(
      res,
      'Notifications',
      'notifications',
      null,
      notificationsBody({ list, timezone: tz, ...parsed.data }),
    );
  });

  router.get('/write-failures', async (_req, res) => {
    const account = await deps.account();
    const refusals = await deps.store.writeRefusals(account);
    const partnerIds = refusals.flatMap((r) => {
      const task = r.fields['partnerId'];
      return r.object === 'partner' ? [r.recordId] : r.object === 'task' && typeof task === 'string' ? [task] : [];
    });
    const body = writeFailuresBody({
      refusals,
      linker: crmLinker(deps.config, account),
      names: await deps.store.cachedNames(account, 'partner', partnerIds),
      timezone: deps.config.program.timezone,
    });
    await render(res, 'Write failures', 'writes', null, body);
  });

  router.get('/audit', async (req, res) => {
    requireAdmin(res);
    const f = auditFilter(req);
    const entries = await deps.store.auditEntries({
      action: f.action,
      actor: f.actor,
      from: dayStart(f.from),
      to: dayStart(f.to, 1),
      limit: 500,
    });
    await render(res, 'Audit log', 'audit', null, auditBody({ entries, timezone: tz, filter: f }));
  });

  router.get('/audit/export.csv', async (req, res) => {
    requireAdmin(res);
    const f = auditFilter(req);
    const entries = await deps.store.auditEntries({
      action: f.action,
      actor: f.actor,
      from: dayStart(f.from),
      to: dayStart(f.to, 1),
      limit: 100_000,
    });
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', 'attachment; filename="audit.csv"')
      .type('text/csv; charset=utf-8')
      .send(auditCsv(entries));
  });

  // ---- admin pages: partner users and registrations (issue 19) ----------------------------------

  partnerAdminRoutes(router, {
    deps,
    form,
    requireAdmin,
    checkForm: (req, res) => {
      if (!sameOrigin(req) || !sessions.checkCsrf(sessionOf(res), formField(req, '_csrf')))
        throw new HttpError(
          403,
          'forbidden',
          'This form did not come from this site, or it is stale. Reload the page.',
        );
    },
    csrf: (res) => sessions.csrfToken(sessionOf(res)),
    actor: (res) => sessionOf(res).label,
    render: (res, title, body) => render(res, title, 'partner-users', null, body),
  });

  financeUiRoutes(router, {
    deps,
    form,
    render: (res, title, body) => render(res, title, 'finance', null, body),
    session: sessionOf,
    csrf: (s) => sessions.csrfToken(s),
    formOk: (req, s) => sameOrigin(req) && sessions.checkCsrf(s, formField(req, '_csrf')),
  });

  // ---- unknown pages and errors, as HTML -------------------------------------------------------

  router.use((_req, _res, next) => {
    next(new HttpError(404, 'not_found', 'There is no dashboard page at this address.'));
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const session = res.locals['session'] as Session | undefined;
    const user = session === undefined ? null : { role: session.role, csrf: sessions.csrfToken(session) };
    const requestId = res.locals['requestId'] as string | undefined;
    if (err instanceof HttpError && err.status < 500) {
      sendHtml(res, err.status, errorPage(err.status, err.message, user, requestId));
      return;
    }
    const status = isClientError(err) ? err.status : 500;
    if (status >= 500)
      deps.logger.error({ err, requestId, path: req.originalUrl.split('?')[0] }, 'dashboard page failed');
    sendHtml(
      res,
      status,
      errorPage(
        status,
        status >= 500
          ? 'The page could not be built. Try again; if it keeps failing, the server log has the details.'
          : 'The request could not be read.',
        user,
        requestId,
      ),
    );
  });
  return router;
}

/** Body-parser failures (too large, bad encoding) carry a 4xx status. */
function isClientError(err: unknown): err is { status: number } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'status' in err &&
    typeof err.status === 'number' &&
    err.status >= 400 &&
    err.status < 500
  );
}

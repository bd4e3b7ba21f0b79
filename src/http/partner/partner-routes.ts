// The partner pages and API (issue 19), mounted at /partner: a fourth kind of user, the partner,
// reaches only /partner/… pages and /partner/api/…, and only its own partner's data — any id of
// another partner's record answers 404, exactly like an id that does not exist. Sessions come
// from a single-use sign-in link (partner-session.ts); API tokens and dashboard sessions are not
// accepted here. Off (404 everywhere) without a `registrations:` block.

import { randomBytes } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { statementsCsv } from '../../ledger/exports.ts';
import type { PartnerUser } from '../../store/partner-portal.ts';
import { signInWithLink, type PortalDeps } from '../../sync/partner-users.ts';
import {
  FormErrors,
  formChoices,
  readRegistrationForm,
  registerDeal,
  RegistrationUnavailable,
} from '../../sync/register-deal.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { readCookie } from '../ui/session.ts';
import {
  partnerDeal,
  partnerOverview,
  partnerRegistration,
  partnerRegistrations,
  partnerStatement,
} from './partner-data.ts';
import {
  dealBody,
  dealsBody,
  messageBody,
  overviewBody,
  partnerPage,
  registrationBody,
  registrationFormBody,
  registrationsBody,
  signInBody,
  statementBody,
  type FormState,
} from './partner-pages.ts';
import {
  PARTNER_COOKIE,
  PARTNER_SESSION_TTL_MS,
  partnerCookie,
  PartnerSessions,
  type PartnerSession,
} from './partner-session.ts';

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface Who {
  session: PartnerSession;
  user: PartnerUser;
  partnerName: string;
}

const newIdem = (): string => randomBytes(16).toString('base64url');

/** Browsers send Origin (and Sec-Fetch-Site) on POSTs; when present they must be this host. */
function sameOrigin(req: Request): boolean {
  if (req.get('sec-fetch-site') === 'cross-site') return false;
  const origin = req.get('origin');
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === req.get('host');
}

const formValues = (body: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (body !== null && typeof body === 'object')
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
};

export function partnerRoutes(deps: AppDeps): Router {
  const router = Router();
  const settings = deps.config.config.registrations;
  if (settings === undefined) return router; // partner pages off: everything falls through to 404
  const sessions = new PartnerSessions(deps.sessionSecret, deps.clock);
  const portal: PortalDeps = { ...deps, mailer: deps.mailer ?? null };
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

  const send = (res: Response, status: number, page: string): void => {
    res.status(status).set('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(page);
  };
  const setCookie = (req: Request, res: Response, value: string, maxAgeMs: number): void => {
    res.append(
      'Set-Cookie',
      partnerCookie(PARTNER_COOKIE, value, { secure: req.secure, maxAgeSeconds: Math.floor(maxAgeMs / 1000) }),
    );
  };

  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    next();
  });

  // ---- sign-in: GET shows a button, only its POST uses the link ---------------------------------

  router.get('/signin', (req, res) => {
    const t = req.query['t'];
    send(
      res,
      200,
      partnerPage(
        { title: 'Sign in', user: null },
        signInBody(typeof t === 'string' && /^[A-Za-z0-9_-]{43}$/.test(t) ? t : null),
      ),
    );
  });

  router.post('/signin', form, async (req, res) => {
    const t = (req.body as Record<string, unknown> | undefined)?.['t'];
    const user =
      sameOrigin(req) && typeof t === 'string' ? await signInWithLink(portal, await deps.account(), t) : null;
    if (user === null) {
      send(
        res,
        400,
        partnerPage(
          { title: 'Sign in', user: null },
          messageBody(
            'This sign-in link is not valid any more: it was used, it expired or your access was revoked. Ask your partner manager for a new one.',
          ),
        ),
      );
      return;
    }
    const { value } = sessions.issue(user);
    setCookie(req, res, value, PARTNER_SESSION_TTL_MS);
    res.redirect(303, '/partner');
  });

  // ---- everything below needs a partner session ------------------------------------------------

  router.use(async (req, res, next) => {
    const session = sessions.verify(readCookie(req.get('cookie'), PARTNER_COOKIE));
    const account = await deps.account();
    const user = session === null ? null : await deps.store.partners.partnerUser(session.userId);
    // the partner's cached record only (issue 21: not the whole snapshot)
    const partner =
      user === null || session === null
        ? undefined
        : (await deps.store.partnerPage(account, { limit: 1, id: session.partnerId }))[0]?.partner;
    if (
      session === null ||
      user?.account !== account ||
      user.status !== 'active' ||
      user.partnerId !== session.partnerId ||
      partner === undefined
    ) {
      if (req.path.startsWith('/api/')) {
        res.status(401).json({
          error: { code: 'unauthorized', message: 'sign in with the link from your e-mail first', details: null },
        });
        return;
      }
      send(
        res,
        401,
        partnerPage(
          { title: 'Signed out', user: null },
          messageBody('You are not signed in. Open the sign-in link from your e-mail.'),
        ),
      );
      return;
    }
    const who: Who = { session, user, partnerName: partner.name ?? partner.id };
    res.locals['partner'] = who;
    next();
  });

  const whoOf = (res: Response): Who => res.locals['partner'] as Who;
  const render = (res: Response, title: string, body: Parameters<typeof partnerPage>[1], status = 200): void => {
    const who = whoOf(res);
    send(
      res,
      status,
      partnerPage(
        {
          title,
          user: { partnerName: who.partnerName, email: who.user.email ?? '', csrf: sessions.csrfToken(who.session) },
        },
        body,
      ),
    );
  };
  const checkForm = (req: Request, res: Response): void => {
    const given = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
    if (!sameOrigin(req) || !sessions.checkCsrf(whoOf(res).session, given))
      throw new HttpError(403, 'forbidden', 'This form did not come from this site, or it is stale. Reload the page.');
  };

  router.post('/logout', form, (req, res) => {
    checkForm(req, res);
    sessions.revoke(whoOf(res).session);
    setCookie(req, res, '', 0);
    send(res, 200, partnerPage({ title: 'Signed out', user: null }, messageBody('You are signed out.')));
  });

  // ---- pages -------------------------------------------------------------------------------------

  router.get('/', async (_req, res) => {
    const who = whoOf(res);
    render(res, who.partnerName, overviewBody(await partnerOverview(deps, who.session.partnerId)));
  });

  router.get('/registrations', async (_req, res) => {
    render(
      res,
      'Your registrations',
      registrationsBody(await partnerRegistrations(deps, whoOf(res).session.partnerId)),
    );
  });

  const formState = async (
    res: Response,
    o: { idem?: string; values?: Record<string, string>; errors?: Record<string, string> },
  ): Promise<FormState> => {
    const who = whoOf(res);
    const choices = await formChoices(portal, await deps.account(), who.session.partnerId);
    return {
      csrf: sessions.csrfToken(who.session),
      idem: o.idem ?? newIdem(),
      values: o.values ?? { currency: choices.currencies[0] ?? '' },
      errors: o.errors ?? {},
      currencies: choices.currencies,
      recipes: choices.recipes,
    };
  };

  router.get('/registrations/new', async (_req, res) => {
    render(res, 'Register a deal', registrationFormBody(await formState(res, {})));
  });

  router.post('/registrations', form, async (req, res) => {
    checkForm(req, res);
    const who = whoOf(res);
    const account = await deps.account();
    const values = formValues(req.body);
    const again = async (status: number, errors: Record<string, string>, idem?: string): Promise<void> => {
      render(
        res,
        'Register a deal',
        registrationFormBody(await formState(res, { values, errors, ...(idem === undefined ? {} : { idem }) })),
        status,
      );
    };
    if (deps.crm === undefined) {
      await again(501, { form: 'Deal registration is not available on this server.' });
      return;
    }
    try {
      const parsed = await readRegistrationForm(portal, account, who.session.partnerId, req.body);
      const r = await registerDeal(
        { ...portal, crm: deps.crm },
        { account, user: who.user, form: parsed, partnerName: who.partnerName },
      );
      if (r.state === 'refused') {
        // the CRM's own words; a fresh key, so the corrected form is a new registration
        await again(422, { form: `The CRM refused this registration: ${r.error ?? 'no reason given'}` });
        return;
      }
      res.redirect(303, `/partner/registrations/${r.id}`);
    } catch (err) {
      if (err instanceof FormErrors) {
        await again(err.status, err.fields, err.status === 400 ? values['idem'] : undefined);
        return;
      }
      if (err instanceof RegistrationUnavailable) {
        await again(
          503,
          {
            form: 'The CRM could not be reached. Your registration is kept: press "Register the deal" again to finish it.',
          },
          values['idem'],
        );
        return;
      }
      throw err;
    }
  });

  router.get('/registrations/:id', async (req, res) => {
    const r = await partnerRegistration(deps, whoOf(res).session.partnerId, req.params['id']);
    render(res, r.company, registrationBody(r));
  });

  router.get('/deals', async (_req, res) => {
    render(res, 'Your deals', dealsBody(await partnerOverview(deps, whoOf(res).session.partnerId)));
  });

  router.get('/deals/:id', async (req, res) => {
    const d = await partnerDeal(deps, whoOf(res).session.partnerId, req.params['id']);
    render(res, d.name, dealBody(d, deps.config.program.currency));
  });

  router.get('/statement', async (req, res) => {
    const s = await partnerStatement(deps, whoOf(res).session.partnerId, req.query['period']);
    render(res, `Statement ${s.period}`, statementBody(s, deps.config.program.currency));
  });

  router.get('/statement.csv', async (req, res) => {
    const who = whoOf(res);
    const s = await partnerStatement(deps, who.session.partnerId, req.query['period']);
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="statement-${s.period}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(statementsCsv(s)); // cells neutralised against formulas (src/sync/csv.ts)
  });

  // ---- API: the same data as JSON ----------------------------------------------------------------

  router.get('/api/me', async (_req, res) => {
    const who = whoOf(res);
    const o = await partnerOverview(deps, who.session.partnerId);
    res.json({
      partner: { id: who.session.partnerId, name: who.partnerName },
      user: { id: who.user.id, email: who.user.email },
      tier: o.tier,
      grantedTier: o.grantedTier,
      winsLast365: o.winsLast365,
      nextTier: o.nextTier,
    });
  });
  router.get('/api/registrations', async (_req, res) => {
    res.json({ registrations: await partnerRegistrations(deps, whoOf(res).session.partnerId) });
  });
  router.get('/api/registrations/:id', async (req, res) => {
    res.json(await partnerRegistration(deps, whoOf(res).session.partnerId, req.params['id']));
  });
  router.get('/api/deals', async (_req, res) => {
    const o = await partnerOverview(deps, whoOf(res).session.partnerId);
    res.json({ currency: o.currency, asOf: o.asOf, deals: o.deals });
  });
  router.get('/api/deals/:id', async (req, res) => {
    res.json(await partnerDeal(deps, whoOf(res).session.partnerId, req.params['id']));
  });
  router.get('/api/statement', async (req, res) => {
    res.json(await partnerStatement(deps, whoOf(res).session.partnerId, req.query['period']));
  });

  // ---- unknown addresses and errors --------------------------------------------------------------

  router.use((_req, _res, next) => {
    next(new HttpError(404, 'not_found', 'There is no partner page at this address.'));
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status =
      err instanceof HttpError
        ? err.status
        : typeof (err as { status?: unknown }).status === 'number' &&
            (err as { status: number }).status >= 400 &&
            (err as { status: number }).status < 500
          ? (err as { status: number }).status
          : 500;
    const message =
      err instanceof HttpError && status < 500
        ? err.message
        : status < 500
          ? 'The request could not be read.'
          : 'The page could not be built. Try again later.';
    if (status >= 500)
      deps.logger.error({ err, requestId: res.locals['requestId'] as unknown, path: req.path }, 'partner page failed');
    if (req.path.startsWith('/api/')) {
      res
        .status(status)
        .json({ error: { code: err instanceof HttpError ? err.code : 'error', message, details: null } });
      return;
    }
    const who = res.locals['partner'] as Who | undefined;
    if (who === undefined) send(res, status, partnerPage({ title: 'Error', user: null }, messageBody(message)));
    else render(res, status === 404 ? 'Not found' : 'Error', messageBody(message), status);
  });
  return router;
}

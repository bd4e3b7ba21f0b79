// The webhooks journal's API (2026-03) over the sandbox's journal (../journal.ts): the app's
// client-credentials token (`grant_type=client_credentials` on /oauth/v1/token, with the
// developer.webhooks_journal.* scopes asked for), subscriptions, the local journal's single and
// batch reads, and the short-lived file links the entries are read from. Journal calls count
// against neither the ten-second nor the daily limit (HubSpot exempts them).
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/journal-entries/guide

import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { limitValue } from '../../personality.ts';
import { HubspotError, notFound, validationError } from '../errors.ts';
import { batchEnvelope, jsonBody, param, parseBody, type HubspotDeps } from '../http.ts';
import {
  JOURNAL_ACTIONS,
  JOURNAL_OBJECT_TYPE_IDS,
  type JournalEntry,
  type JournalSubscription,
  type SandboxJournal,
} from '../journal.ts';
import { HUBSPOT_TOKEN_TTL_SECONDS } from './oauth.ts';

const V = '2026-03';
const JOURNAL = `/webhooks-journal/journal-local/${V}`;
const SUBSCRIPTIONS = `/webhooks-journal/subscriptions/${V}`;

export const JOURNAL_SCOPES = {
  read: 'developer.webhooks_journal.read',
  subscriptionsRead: 'developer.webhooks_journal.subscriptions.read',
  subscriptionsWrite: 'developer.webhooks_journal.subscriptions.write',
} as const;

const action = z.enum(JOURNAL_ACTIONS);
const objectType = z.string().refine((t) => JOURNAL_OBJECT_TYPE_IDS.includes(t), {
  message: `must be an object type id the account has (${JOURNAL_OBJECT_TYPE_IDS.join(', ')})`,
});
const portal = z.number().int().positive();
const subscriptionInput = z.discriminatedUnion('subscriptionType', [
  z.object({
    subscriptionType: z.literal('OBJECT'),
    objectTypeId: objectType,
    portalId: portal,
    actions: z.array(action).min(1),
    properties: z.array(z.string()),
    objectIds: z.array(z.number().int()),
  }),
  z.object({
    subscriptionType: z.literal('ASSOCIATION'),
    objectTypeId: objectType,
    portalId: portal,
    actions: z.array(action).min(1),
    associatedObjectTypeIds: z.array(objectType),
    objectIds: z.array(z.number().int()),
  }),
]);
const batchReadInput = z.object({ inputs: z.array(z.string()).min(1) });

/** Client-credentials tokens the sandbox issued, with the scopes each was asked for. */
export class AppTokens {
  readonly #scopes = new Map<string, ReadonlySet<string>>();

  add(token: string, scopes: readonly string[]): void {
    this.#scopes.set(token, new Set(scopes));
  }

  scopes(token: string): ReadonlySet<string> | undefined {
    return this.#scopes.get(token);
  }
}

export function journalRoutes(deps: HubspotDeps, journal: SandboxJournal, appTokens: AppTokens): Router {
  const { state, ctx } = deps;
  const router = Router();
  const ttl = ctx.options.tokenTtlSeconds ?? HUBSPOT_TOKEN_TTL_SECONDS;

  // Client credentials only; the other grants go on to the OAuth routes (oauth.ts).
  router.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res, next) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string => (typeof form[name] === 'string' ? form[name] : '');
    if (field('grant_type') !== 'client_credentials') {
      next();
      return;
    }
    if (field('client_id') === '' || field('client_secret') === '') {
      res.status(400).json({ status: 'BAD_CLIENT_ID', message: 'missing or unknown client id' });
      return;
    }
    const scopes = field('scope')
      .split(/[\s,]+/)
      .filter((s) => s !== '');
    const issued = ctx.tokens.issue(ttl);
    appTokens.add(issued.accessToken, scopes);
    res.json({ token_type: 'bearer', access_token: issued.accessToken, expires_in: issued.expiresInSeconds });
  });

  /** Journal calls need the app's token with the scope named (an install's token is refused). */
  const requireScope = (req: Request, scope: string): void => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization')?.trim() ?? '')?.[1] ?? '';
    const scopes = appTokens.scopes(token);
    if (scopes === undefined)
      throw new HubspotError(
        401,
        'INVALID_AUTHENTICATION',
        'The webhooks journal needs the app’s client-credentials token (grant_type=client_credentials on /oauth/v1/token).',
      );
    if (!scopes.has(scope))
      throw new HubspotError(
        403,
        'MISSING_SCOPES',
        `This app hasn't been granted all required scopes to make this call.`,
        {
          errors: [
            { message: `One or more of the following scopes are required.`, context: { requiredScopes: [scope] } },
          ],
        },
      );
  };

  const checkPortal = (req: Request): void => {
    const asked = req.query['installPortalId'];
    if (asked === undefined) return;
    const text = typeof asked === 'string' ? asked : '';
    if (text !== String(state.portalId)) throw notFound(`The app is not installed in portal ${text}.`);
  };

  const countParam = (req: Request): number => {
    const count = Number(param(req, 'count'));
    if (!Number.isInteger(count) || count < 1) throw validationError(`count must be an integer of at least 1.`);
    const max = limitValue(ctx.limits, 'hubspot.journal.batch', 100);
    if (max !== null && count > max) throw validationError(`count is limited to ${String(max)}; got ${String(count)}.`);
    return count;
  };

  const origin = (req: Request): string => `${req.protocol}://${req.get('host') ?? ''}`;
  const fetched = (req: Request, entry: JournalEntry): Record<string, unknown> => {
    const link = journal.fileLink(origin(req), entry);
    return { currentOffset: entry.offset, url: link.url, expiresAt: new Date(link.expiresAt).toISOString() };
  };
  const batch = (req: Request, entries: readonly JournalEntry[], started: number): Record<string, unknown> =>
    batchEnvelope(
      entries.map((e) => fetched(req, e)),
      started,
      ctx.clock.now(),
    );

  const afterOffset = (offset: string): number => {
    const index = journal.indexOf(offset);
    if (index === -1) throw notFound(`Offset ${offset} is not in the journal (unknown, or older than its retention).`);
    return index + 1;
  };

  router.get(`${JOURNAL}/batch/earliest/:count`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    const started = ctx.clock.now();
    res.json(batch(req, journal.entries().slice(0, countParam(req)), started));
  });

  router.get(`${JOURNAL}/batch/latest/:count`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    const started = ctx.clock.now();
    const count = countParam(req);
    const entries = journal.entries();
    res.json(batch(req, entries.slice(Math.max(entries.length - count, 0)), started));
  });

  router.get(`${JOURNAL}/batch/:offset/next/:count`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    const started = ctx.clock.now();
    const count = countParam(req);
    const from = afterOffset(param(req, 'offset'));
    res.json(batch(req, journal.entries().slice(from, from + count), started));
  });

  router.post(`${JOURNAL}/batch/read`, jsonBody, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    const started = ctx.clock.now();
    const { inputs } = parseBody(batchReadInput, req.body);
    const found: JournalEntry[] = [];
    const missing: string[] = [];
    for (const offset of inputs) {
      const entry = journal.entry(offset);
      if (entry === undefined) missing.push(offset);
      else found.push(entry);
    }
    const errors =
      missing.length === 0
        ? []
        : [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: 'Some offsets are not in the journal (unknown, or older than its retention).',
              context: { offsets: missing },
              errors: [],
              links: {},
            },
          ];
    res.status(errors.length > 0 ? 207 : 200).json(
      batchEnvelope(
        found.map((e) => fetched(req, e)),
        started,
        ctx.clock.now(),
        errors,
      ),
    );
  });

  // Single reads: one entry, or 204 when there is none (yet).
  const single = (req: Request, res: express.Response, entry: JournalEntry | undefined): void => {
    if (entry === undefined) res.status(204).end();
    else res.json(fetched(req, entry));
  };
  router.get(`${JOURNAL}/earliest`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    single(req, res, journal.entries()[0]);
  });
  router.get(`${JOURNAL}/latest`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    single(req, res, journal.entries().at(-1));
  });
  router.get(`${JOURNAL}/offset/:offset/next`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.read);
    checkPortal(req);
    single(req, res, journal.entries()[afterOffset(param(req, 'offset'))]);
  });

  // The storage link: no bearer token (the signature is the credential), as a pre-signed URL.
  router.get('/journal-files/:file', (req, res) => {
    const offset = param(req, 'file').replace(/\.json$/, '');
    const verdict = journal.checkLink(offset, queryText(req.query['expires']), queryText(req.query['signature']));
    if (verdict !== 'ok') {
      res.status(403).json({ code: verdict === 'expired' ? 'ExpiredToken' : 'SignatureDoesNotMatch' });
      return;
    }
    const entry = journal.entry(offset);
    if (entry === undefined) {
      res.status(404).json({ code: 'NoSuchKey' });
      return;
    }
    res.json(entry.events);
  });

  router.get(SUBSCRIPTIONS, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.subscriptionsRead);
    res.json({ results: journal.subscriptions().map(subscriptionToApi) });
  });

  router.post(SUBSCRIPTIONS, jsonBody, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.subscriptionsWrite);
    const input = parseBody(subscriptionInput, req.body);
    if (input.portalId !== state.portalId)
      throw validationError(`The app is not installed in portal ${String(input.portalId)}.`);
    const saved = journal.upsert(
      input.subscriptionType === 'OBJECT' ? { ...input, associatedObjectTypeIds: [] } : { ...input, properties: [] },
    );
    ctx.markDirty();
    res.json(subscriptionToApi(saved));
  });

  router.delete(`${SUBSCRIPTIONS}/portals/:portalId`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.subscriptionsWrite);
    journal.removePortal(Number(param(req, 'portalId')));
    ctx.markDirty();
    res.status(204).end();
  });

  router.get(`${SUBSCRIPTIONS}/:subscriptionId`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.subscriptionsRead);
    const found = journal.subscription(Number(param(req, 'subscriptionId')));
    if (found === undefined) throw notFound(`No subscription ${param(req, 'subscriptionId')}.`);
    res.json(subscriptionToApi(found));
  });

  router.delete(`${SUBSCRIPTIONS}/:subscriptionId`, (req, res) => {
    requireScope(req, JOURNAL_SCOPES.subscriptionsWrite);
    if (!journal.remove(Number(param(req, 'subscriptionId'))))
      throw notFound(`No subscription ${param(req, 'subscriptionId')}.`);
    ctx.markDirty();
    res.status(204).end();
  });

  return router;
}

const queryText = (value: unknown): string => (typeof value === 'string' ? value : '');

function subscriptionToApi(s: JournalSubscription): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id,
    appId: s.appId,
    portalId: s.portalId,
    subscriptionType: s.subscriptionType,
    objectTypeId: s.objectTypeId,
    actions: s.actions,
    objectIds: s.objectIds,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
  if (s.subscriptionType === 'OBJECT') out['properties'] = s.properties;
  else out['associatedObjectTypeIds'] = s.associatedObjectTypeIds;
  return out;
}

/** Stats keys for the journal's paths (offsets and ids templated). */
export function journalRouteKey(method: string, path: string): string | null {
  const patterns: readonly (readonly [RegExp, string])[] = [
    [/^\/webhooks-journal\/journal-local\/2026-03\/batch\/(earliest|latest)\/[^/]+$/, `${JOURNAL}/batch/$1/{count}`],
    [
      /^\/webhooks-journal\/journal-local\/2026-03\/batch\/[^/]+\/next\/[^/]+$/,
      `${JOURNAL}/batch/{offset}/next/{count}`,
    ],
    [/^\/webhooks-journal\/journal-local\/2026-03\/offset\/[^/]+\/next$/, `${JOURNAL}/offset/{offset}/next`],
    [/^\/webhooks-journal\/journal-local\/2026-03\/(batch\/read|earliest|latest)$/, `${JOURNAL}/$1`],
    [/^\/webhooks-journal\/subscriptions\/2026-03\/portals\/[^/]+$/, `${SUBSCRIPTIONS}/portals/{portalId}`],
    [/^\/webhooks-journal\/subscriptions\/2026-03\/[^/]+$/, `${SUBSCRIPTIONS}/{subscriptionId}`],
    [/^\/webhooks-journal\/subscriptions\/2026-03$/, SUBSCRIPTIONS],
    [/^\/journal-files\/[^/]+$/, '/journal-files/{offset}'],
  ];
  for (const [pattern, template] of patterns) if (pattern.test(path)) return `${method} ${template}`;
  return null;
}

/** Journal paths: exempt from the ten-second and daily limits; file links need no bearer token. */
export const isJournalPath = (path: string): boolean =>
  path.startsWith('/webhooks-journal/') || path.startsWith('/journal-files/');

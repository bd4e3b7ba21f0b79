// The HubSpot CrmAdapter: wiring of the pieces in this folder behind the port. Built by the
// registry (`crm.provider: hubspot`) from the config and the environment (HUBSPOT_ACCESS_TOKEN —
// private app or service key — or HUBSPOT_CLIENT_ID/SECRET/REFRESH_TOKEN for OAuth).
//
// Decisions worth knowing (details in the files named):
//  - requests: on the paths of `crm.hubspot.apiVersion` (api-paths.ts; date-versioned by default)
//    through the SDK's generic apiRequest, with our limiter, retries and schemas (hubspot-api.ts);
//  - pull: list endpoint for full runs, keyset-paged search windows for incremental ones (pull.ts);
//  - deals without deal_currency_code: the account's company currency (HubSpot's own rule),
//    asked once from the account-info details, only when such a deal appears;
//  - partner pickers' options follow the partner companies during pulls, not during writeBack
//    (option-sync.ts): the pull is where partner companies are read;
//  - influencer touch times come from property history, read only for deals whose influencer
//    value changed since this adapter last saw it (an in-memory cache: a long-running process
//    such as `serve` reads history only for real changes);
//  - tasks carry their alert marker in a hidden task property, `partnersync_marker` (tasks.ts).

import { ConfigError } from '../../config/errors.ts';
import type { CrmSection } from '../../config/crm-section.ts';
import type { SnapshotTouch } from '../../domain/snapshot.ts';
import { TimeZone } from '../../domain/time.ts';
import type { Logger } from '../../log.ts';
import {
  CrmError,
  type CallStats,
  type ContactFilter,
  type CrmAdapter,
  type PartnerContact,
  type PartnerOwner,
  type ProvisionPlan,
  type PullPage,
  type PullRequest,
  type TaskRequest,
  type TaskResult,
  type WriteBack,
  type WriteReport,
} from '../port.ts';
import { envValue, readBlock, type ProviderContext, type ProviderSettings } from '../provider.ts';
import { LEGACY_SUNSET } from './api-paths.ts';
import { hubspotBlock } from './config.ts';
import { hubspotCredentialIssues } from './credentials.ts';
import type { RetrySettings } from './failures.ts';
import { partnerWhere, resolveFieldMap, type FieldMap } from './field-map.ts';
import { HubspotApi } from './hubspot-api.ts';
import { JournalClient, type JournalCredentials } from './journal-client.ts';
import { eventsMode, journalCredentialsFromEnv } from './journal-mode.ts';
import { provisionJournal } from './journal-provision.ts';
import { hubspotJournalSource } from './journal-source.ts';
import type { EventSource } from '../events.ts';
import { OptionSync } from './option-sync.ts';
import { hubspotPartnerContacts, hubspotPartnerOwners } from './people.ts';
import { desiredProperties, type DesiredProperty } from './property-specs.ts';
import { provision } from './provision.ts';
import { HubspotRegistrations } from './registrations.ts';
import { PullRun, type PullDeps } from './pull.ts';
import type { Timer } from './rate-limiter.ts';
import { accountInfo, batchRead, refreshAccessToken } from './requests.ts';
import { createTasks, findTasks } from './tasks.ts';
import { NO_STAGES } from './stage-map.ts';
import { matchesWhere, toPartner } from './to-snapshot.ts';
import { oauthToken, staticToken, type TokenSource } from './token-source.ts';
import { writeBack } from './write-back.ts';

export interface HubspotAdapterOptions {
  settings: ProviderSettings;
  /** The process environment (HUBSPOT_* variables, provider.ts). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Overrides `crm.hubspot.basePath` (the in-process sandbox). */
  basePath?: string;
  /** Overrides the token from the environment. */
  tokens?: TokenSource;
  /** Overrides `crm.hubspot.portalId`. */
  portalId?: string;
  /** Tests: a fake clock for limiter, backoff and window ends. */
  timer?: Timer;
  retry?: Partial<RetrySettings>;
  /** Overrides HUBSPOT_CLIENT_ID/SECRET for the webhooks journal (events: journal). */
  journalCredentials?: JournalCredentials;
}

/** Validates the HubSpot-specific parts of the config (mappings, partner filter); throws ConfigError. */
export function hubspotFieldMap(settings: ProviderSettings): FieldMap {
  const { map, issues } = resolveFieldMap(settings.programConfig, settings.crm);
  if (issues.length > 0) throw new ConfigError(settings.configFile, issues);
  return map;
}

function tokensFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  exchange: (refreshToken: string, clientId: string, clientSecret: string) => ReturnType<typeof refreshAccessToken>,
  now: () => number,
): TokenSource {
  const accessToken = envValue(env, 'HUBSPOT_ACCESS_TOKEN');
  if (accessToken !== undefined) return staticToken(accessToken);
  const id = envValue(env, 'HUBSPOT_CLIENT_ID');
  const secret = envValue(env, 'HUBSPOT_CLIENT_SECRET');
  const refresh = envValue(env, 'HUBSPOT_REFRESH_TOKEN');
  if (id !== undefined && secret !== undefined && refresh !== undefined) {
    return oauthToken({
      refreshToken: refresh,
      now,
      exchange: async (token) => {
        try {
          return await exchange(token, id, secret);
        } catch (err) {
          // A refused refresh token or client is an authentication problem, whatever the status.
          if (err instanceof CrmError && (err.kind === 'invalid_request' || err.kind === 'not_found')) {
            throw new CrmError({
              provider: 'hubspot',
              kind: 'auth',
              status: err.status,
              code: err.code,
              cause: err,
              message: `HubSpot refused the OAuth refresh (check HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN): ${err.message}`,
            });
          }
          throw err;
        }
      },
    });
  }
  throw new ConfigError('environment', hubspotCredentialIssues(env));
}

export class HubspotAdapter implements CrmAdapter {
  readonly provider = 'hubspot';
  readonly api: HubspotApi;
  readonly fields: FieldMap;
  readonly #settings: ProviderSettings;
  readonly #crm: CrmSection;
  readonly #logger: Logger;
  readonly #desired: DesiredProperty[];
  readonly #where: Record<string, string>;
  readonly #tz: TimeZone;
  readonly #portalId: string | undefined;
  readonly #touchCache = new Map<string, { value: string; touches: SnapshotTouch[] }>();
  /** The webhooks journal's client, with `crm.hubspot.events: journal` (journal-source.ts). */
  readonly journal: JournalClient | null;
  readonly #journalPollMs: number;
  #account: Promise<{ portalId: string; companyCurrency: string | null }> | null = null;
  /** Deal registration by partners (registrations.ts). */
  readonly registrations: HubspotRegistrations;

  constructor(options: HubspotAdapterOptions) {
    this.#settings = options.settings;
    this.#crm = options.settings.crm;
    this.#logger = options.logger;
    this.fields = hubspotFieldMap(options.settings);
    const hs = readBlock(this.#crm, hubspotBlock);
    const timer = options.timer;
    const now = (): number => (timer ? timer.now() : Date.now());
    let api: HubspotApi | null = null;
    const tokens =
      options.tokens ??
      tokensFromEnv(
        options.env,
        (refresh, id, secret) => {
          if (!api) throw new Error('hubspot: token refresh before the client exists');
          return refreshAccessToken(api, id, secret, refresh);
        },
        now,
      );
    api = new HubspotApi({
      basePath: options.basePath ?? hs.basePath,
      tokens,
      rateLimitPer10s: hs.rateLimitPer10s,
      searchPerSecond: hs.searchPerSecond,
      requestTimeoutMs: hs.requestTimeoutSeconds * 1000,
      apiVersion: hs.apiVersion,
      logger: options.logger,
      timer,
      retry: options.retry,
    });
    this.api = api;
    if (hs.apiVersion === 'legacy')
      options.logger.warn(
        { apiVersion: 'legacy' },
        `hubspot: crm.hubspot.apiVersion is legacy (the v3/v4 paths): ${LEGACY_SUNSET}; remove the key to use 2026-09`,
      );
    this.#desired = desiredProperties(options.settings.programConfig, this.fields);
    this.#where = partnerWhere(this.#crm);
    this.#tz = new TimeZone(options.settings.program.timezone);
    this.#portalId = options.portalId ?? hs.portalId;
    this.#journalPollMs = hs.journalPollSeconds * 1000;
    this.journal =
      eventsMode(hs, options.env) === 'journal'
        ? new JournalClient({
            basePath: options.basePath ?? hs.basePath,
            credentials: options.journalCredentials ?? journalCredentialsFromEnv(options.env),
            requestTimeoutMs: hs.requestTimeoutSeconds * 1000,
            logger: options.logger,
            timer,
            retry: options.retry,
          })
        : null;
    this.registrations = new HubspotRegistrations({
      api,
      fields: this.fields,
      stageOverrides: this.#crm.stages.overrides,
      accountCurrency: async () => (await this.#accountInfo()).companyCurrency,
    });
  }

  /** The account (portal) id, configured or asked once. */
  async portalId(): Promise<string> {
    return this.#portalId ?? (await this.#accountInfo()).portalId;
  }

  /** The webhooks journal as an event source for `serve`; null unless `crm.hubspot.events` is journal. */
  journalSource(): EventSource | null {
    if (this.journal === null) return null;
    return hubspotJournalSource({
      client: this.journal,
      portalId: () => this.portalId(),
      pollMs: this.#journalPollMs,
    });
  }

  /** Account info, asked once: the portal id (unless configured) and the company currency. */
  #accountInfo(): Promise<{ portalId: string; companyCurrency: string | null }> {
    this.#account ??= accountInfo(this.api).then((info) => ({
      portalId: info.portalId,
      companyCurrency: info.companyCurrency ?? null,
    }));
    return this.#account;
  }

  async accountKey(): Promise<string> {
    return `hubspot:${this.#portalId ?? (await this.#accountInfo()).portalId}`;
  }

  #pullDeps(): PullDeps {
    const hs = readBlock(this.#crm, hubspotBlock);
    return {
      api: this.api,
      fields: this.fields,
      tz: this.#tz,
      where: this.#where,
      fitCriteria: Object.keys(this.#settings.programConfig.fit.criteria),
      stageOverrides: this.#crm.stages.overrides,
      lagMs: hs.searchLagSeconds * 1000,
      overlapMs: hs.searchOverlapSeconds * 1000,
      now: () => this.api.timer.now(),
      logger: this.#logger,
      optionSync: () => new OptionSync(this.api, this.fields, this.#desired, this.#logger),
      // Deals without deal_currency_code are in the account's company currency (HubSpot's rule).
      accountCurrency: async () => (await this.#accountInfo()).companyCurrency,
      touchCache: this.#touchCache,
    };
  }

  async provision(options: { dryRun: boolean }): Promise<ProvisionPlan> {
    const plan = await this.#provisionFields(options);
    if (this.journal === null) return plan;
    return provisionJournal(this.journal, await this.portalId(), plan, options);
  }

  #provisionFields(options: { dryRun: boolean }): Promise<ProvisionPlan> {
    return provision(
      {
        api: this.api,
        fields: this.fields,
        desired: this.#desired,
        where: this.#where,
        stageOverrides: this.#crm.stages.overrides,
        logger: this.#logger,
      },
      options,
    );
  }

  pull(request: PullRequest): AsyncIterable<PullPage> {
    const run = new PullRun(this.#pullDeps(), request);
    this.#logger.debug({ mode: run.mode }, 'hubspot: pull');
    return run.pages();
  }

  async pullRecords(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<PullPage> {
    const run = new PullRun(this.#pullDeps(), { mode: 'full', cursor: null, refreshLinks: false });
    const page: PullPage = {
      partners: [],
      deals: [],
      links: [],
      removedDealIds: [],
      removedPartnerIds: [],
      cursor: {},
    };
    const dealIds = [...new Set(ids.deals)];
    for (let i = 0; i < dealIds.length; i += 100) {
      const chunk = dealIds.slice(i, i + 100);
      const answer = await batchRead(this.api, 'deals', chunk, run.dealProperties());
      const found = new Set(answer.results.map((r) => r.id));
      page.removedDealIds.push(...chunk.filter((id) => !found.has(id)));
      page.deals.push(...(await run.enrich(answer.results)));
    }
    const partnerIds = [...new Set(ids.partners)];
    const properties = [...new Set([...this.fields.properties('companies'), ...Object.keys(this.#where)])];
    for (let i = 0; i < partnerIds.length; i += 100) {
      const chunk = partnerIds.slice(i, i + 100);
      const answer = await batchRead(this.api, 'companies', chunk, properties);
      const found = new Set(answer.results.map((r) => r.id));
      page.removedPartnerIds.push(...chunk.filter((id) => !found.has(id)));
      const ctx = {
        fields: this.fields,
        tz: this.#tz,
        stages: NO_STAGES,
        fitCriteria: Object.keys(this.#settings.programConfig.fit.criteria),
        defaultCurrency: null,
      };
      for (const raw of answer.results) {
        if (matchesWhere(raw, this.#where)) page.partners.push(toPartner(raw, ctx));
        else page.removedPartnerIds.push(raw.id);
      }
    }
    return page;
  }

  writeBack(changes: WriteBack): Promise<WriteReport> {
    return writeBack({ api: this.api, fields: this.fields, logger: this.#logger }, changes);
  }

  createTasks(tasks: readonly TaskRequest[]): Promise<TaskResult[]> {
    return createTasks({ api: this.api, fields: this.fields, logger: this.#logger }, tasks);
  }

  findTasks(markers: readonly string[]): Promise<TaskResult[]> {
    if (markers.length === 0) return Promise.resolve([]);
    return findTasks({ api: this.api, fields: this.fields, logger: this.#logger }, markers);
  }

  partnerOwners(partnerIds: readonly string[]): Promise<PartnerOwner[]> {
    return hubspotPartnerOwners(this.api, partnerIds);
  }

  partnerContacts(partnerIds: readonly string[], filter: ContactFilter): Promise<PartnerContact[]> {
    return hubspotPartnerContacts(this.api, partnerIds, filter);
  }

  callStats(): CallStats {
    return this.api.stats.snapshot();
  }

  close(): Promise<void> {
    // Requests go through the global fetch pool; nothing of ours stays open.
    return Promise.resolve();
  }
}

/** The factory of `crm.provider: hubspot` (provider.ts). */
export function createHubspotAdapter(ctx: ProviderContext): Promise<CrmAdapter> {
  return Promise.resolve(new HubspotAdapter({ settings: ctx, env: ctx.env, logger: ctx.logger }));
}

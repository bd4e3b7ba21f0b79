// The Salesforce CrmAdapter: wires the client (auth, limits, retries), the SOQL allow-list, the
// field map (catalogue + crm.mappings) and the pull, write-back, task and provisioning parts.

import type { CrmSection } from '../../config/crm-section.ts';
import type { Program } from '../../domain/program.ts';
import { TimeZone } from '../../domain/time.ts';
import type { Logger } from '../../log.ts';
import type {
  CallStats,
  ContactFilter,
  CrmAdapter,
  PartnerContact,
  PartnerOwner,
  PullPage,
  PullRequest,
  ProvisionPlan,
  TaskRequest,
  TaskResult,
  WriteBack,
  WriteReport,
} from '../port.ts';
import { readBlock, type ProviderContext } from '../provider.ts';
import { salesforceBlock } from './config.ts';
import type { BackoffPolicy } from '../shared/retry.ts';
import { credentialsFromEnv, type SalesforceCredentials, type TokenListener } from './auth.ts';
import { fieldCatalogue, resolveFields, type FieldMap } from './fields.ts';
import { salesforcePartnerContacts, salesforcePartnerOwners } from './people.ts';
import { SalesforceProvisioner } from './provision.ts';
import { SalesforcePull } from './pull.ts';
import { SalesforceRegistrations } from './registrations.ts';
import { SalesforceClient } from './salesforce-client.ts';
import { allowList, DEFAULT_PARTNER_WHERE } from './allow-list.ts';
import type { EventSource } from '../events.ts';
import { SalesforceCdcSource } from './cdc-source.ts';
import { OpportunityPartnerPoller } from './influencer-poller.ts';
import type { SoqlAllowList } from './soql.ts';
import { SalesforceTasks } from './tasks.ts';
import { SalesforceWriter } from './write-back.ts';

export interface SalesforceAdapterOptions {
  crm: CrmSection;
  program: Program;
  /** The config file, for error messages. */
  configFile: string;
  credentials: SalesforceCredentials;
  logger: Logger;
  /** Told after every token grant (rotated refresh tokens); without it tokens live in memory only. */
  onTokens?: TokenListener | undefined;
  /** The refresh token as last stored (the credential vault): another adapter, in a worker thread or another process, may have rotated it. Read before each refresh grant. */
  currentRefreshToken?: (() => Promise<string>) | undefined;
  provider?: string | undefined;
  /** Override `crm.salesforce.loginUrl` / `instanceUrl` (the in-process sandbox). */
  loginUrl?: string | undefined;
  instanceUrl?: string | undefined;
  /** Override `crm.salesforce.lookbackSeconds` / `bulkPollTimeoutSeconds` (tests). */
  lookbackMs?: number | undefined;
  bulkPollTimeoutMs?: number | undefined;
  bulkResultsPageSize?: number | undefined;
  requestTimeoutMs?: number | undefined;
  backoff?: BackoffPolicy | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

/** The context the registry passes, plus the optional token hook a caller may add. */
export interface SalesforceAdapterContext extends ProviderContext {
  onTokens?: TokenListener | undefined;
}

export class SalesforceAdapter implements CrmAdapter {
  readonly provider: string;
  readonly client: SalesforceClient;
  readonly fields: FieldMap;
  readonly allow: SoqlAllowList;
  readonly #pull: SalesforcePull;
  readonly #writer: SalesforceWriter;
  readonly #tasks: SalesforceTasks;
  readonly #provisioner: SalesforceProvisioner;
  /** Deal registration by partners (registrations.ts). */
  readonly registrations: SalesforceRegistrations;

  constructor(options: SalesforceAdapterOptions) {
    const { crm, program, logger } = options;
    const sf = readBlock(crm, salesforceBlock);
    this.provider = options.provider ?? 'salesforce';
    const tz = new TimeZone(program.timezone);
    const partnerWhere = crm.partners?.where ?? DEFAULT_PARTNER_WHERE;
    this.fields = resolveFields(fieldCatalogue({ program, currencyFields: false }), crm.mappings, options.configFile);
    const allow = allowList(this.fields, partnerWhere, options.configFile);
    this.allow = allow;
    const sleep = options.sleep;
    const now = options.now ?? Date.now;
    this.client = new SalesforceClient({
      apiVersion: sf.apiVersion,
      loginUrl: options.loginUrl ?? sf.loginUrl,
      instanceUrl: options.instanceUrl ?? sf.instanceUrl,
      credentials: options.credentials,
      onTokens: options.onTokens,
      currentRefreshToken: options.currentRefreshToken,
      reservePercent: sf.dailyReservePercent,
      logger,
      requestTimeoutMs: options.requestTimeoutMs,
      backoff: options.backoff,
      sleep,
      random: options.random,
      now,
    });
    this.#pull = new SalesforcePull({
      client: this.client,
      allow,
      fields: this.fields,
      tz,
      fitKeys: program.fitCriteria.map(([k]) => k),
      stageOverrides: crm.stages.overrides,
      partnerWhere,
      bulkThreshold: sf.bulkThreshold,
      lookbackMs: options.lookbackMs ?? sf.lookbackSeconds * 1000,
      bulkPollTimeoutMs: options.bulkPollTimeoutMs ?? sf.bulkPollTimeoutSeconds * 1000,
      bulkResultsPageSize: options.bulkResultsPageSize,
      sleep: sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now,
      logger,
    });
    this.#writer = new SalesforceWriter(this.client, this.fields);
    this.#tasks = new SalesforceTasks(this.client, allow, tz, logger);
    this.registrations = new SalesforceRegistrations(this.client, this.fields);
    this.#provisioner = new SalesforceProvisioner({
      client: this.client,
      allow,
      fields: this.fields,
      program,
      assignees: sf.permissionSetAssignees,
      logger,
      changeEvents: sf.events === 'cdc',
    });
  }

  async accountKey(): Promise<string> {
    return (await this.client.session()).orgId;
  }

  provision(options: { dryRun: boolean }): Promise<ProvisionPlan> {
    return this.#provisioner.provision(options);
  }

  pull(request: PullRequest): AsyncIterable<PullPage> {
    return this.#pull.pull(request);
  }

  pullRecords(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<PullPage> {
    return this.#pull.pullRecords(ids);
  }

  writeBack(changes: WriteBack): Promise<WriteReport> {
    return this.#writer.writeBack(changes);
  }

  createTasks(tasks: readonly TaskRequest[]): Promise<TaskResult[]> {
    return this.#tasks.createTasks(tasks);
  }

  findTasks(markers: readonly string[]): Promise<TaskResult[]> {
    return this.#tasks.findTasks(markers);
  }

  partnerOwners(partnerIds: readonly string[]): Promise<PartnerOwner[]> {
    return salesforcePartnerOwners(this.client, partnerIds);
  }

  partnerContacts(partnerIds: readonly string[], filter: ContactFilter): Promise<PartnerContact[]> {
    return salesforcePartnerContacts(this.client, partnerIds, filter);
  }

  callStats(): CallStats {
    return this.client.callStats();
  }

  /**
   * `crm.salesforce.events: cdc`: Opportunity and Account change events through the Pub/Sub
   * API, and OpportunityPartner (which has none) polled. `ca` replaces the system's trusted
   * roots for the Pub/Sub endpoint (tests only: production verifies against the system's).
   */
  changeEventSources(options: { endpoint: string; influencerPollMs: number; ca?: Buffer | undefined }): EventSource[] {
    return [
      new SalesforceCdcSource({ client: this.client, fields: this.fields, endpoint: options.endpoint, ca: options.ca }),
      new OpportunityPartnerPoller({ client: this.client, allow: this.allow, intervalMs: options.influencerPollMs }),
    ];
  }

  /** Nothing to release: jsforce keeps no connection of its own open (the sandbox provider adds its stop). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `crm.provider: salesforce`: credentials from the environment, URLs from `crm.salesforce`. A
 * refresh token Salesforce rotated is taken from the credential vault and stored there again
 * whenever it rotates, so the next process does not start with a revoked token.
 */
export const createSalesforceAdapter = async (ctx: SalesforceAdapterContext): Promise<CrmAdapter> => {
  let credentials = credentialsFromEnv(ctx.env, readBlock(ctx.crm, salesforceBlock).auth);
  let onTokens = ctx.onTokens;
  let currentRefreshToken: (() => Promise<string>) | undefined;
  const vault = ctx.credentials;
  if (credentials.flow === 'refresh_token' && vault !== undefined) {
    const name = `salesforce:refresh-token:${credentials.clientId}`;
    const configured = credentials.refreshToken;
    credentials = { ...credentials, refreshToken: await vault.current(name, configured) };
    currentRefreshToken = () => vault.current(name, configured);
    const listener = ctx.onTokens;
    onTokens = async (tokens) => {
      if (tokens.refreshToken !== null) await vault.rotated(name, configured, tokens.refreshToken);
      await listener?.(tokens);
    };
  }
  return new SalesforceAdapter({
    crm: ctx.crm,
    program: ctx.program,
    configFile: ctx.configFile,
    credentials,
    logger: ctx.logger,
    onTokens,
    currentRefreshToken,
  });
};

// The provider contract (docs/architecture.md "Providers"): everything specific to one CRM comes
// from one object its folder exports — its config block, the environment variables it reads
// (secrets among them are redacted from logs), the adapter factory, record links for the
// dashboard, its rows of the README's configuration reference, change-event sources and webhook
// receivers. Core code (config, http, cli, sync, store, ledger) iterates over the registered
// providers (registry.ts) and never names one.

import type { z } from 'zod';
import type { CrmSection } from '../config/crm-section.ts';
import type { ConfigIssue } from '../config/errors.ts';
import type { Program, ProgramConfig } from '../domain/program.ts';
import type { Logger } from '../log.ts';
import type { EventSource, HttpReceiver } from './events.ts';
import type { CrmAdapter } from './port.ts';

/** One row of the README's configuration reference; `key` is relative to `crm.<block>` ('' = the block). */
export interface ReferenceRow {
  key: string;
  default: string;
  meaning: string;
}

/** A block of settings under `crm:`, e.g. `crm.hubspot`. Several providers may share one. */
export interface ConfigBlock<T = unknown> {
  readonly key: string;
  /** Parses the block, defaults included (an absent block parses as its default). */
  readonly schema: z.ZodType<T>;
  readonly reference: readonly ReferenceRow[];
}

/** Declares a block; the returned object is the handle `readBlock` takes. */
export function defineBlock<T>(block: ConfigBlock<T>): ConfigBlock<T> {
  return block;
}

/** The parsed value of a provider's block (the config schema parsed it with `block.schema`). */
export function readBlock<T>(crm: CrmSection, block: ConfigBlock<T>): T {
  if (!(block.key in crm.blocks)) throw new Error(`crm.${block.key} was not parsed: is its provider registered?`);
  return crm.blocks[block.key] as T;
}

/** An environment variable a provider reads. */
export interface EnvVariable {
  name: string;
  /** Values of secret variables never appear in logs or error messages. */
  secret: boolean;
  meaning: string;
}

/**
 * Credentials a CRM may rotate (a Salesforce refresh token), kept where the next process finds
 * them. A value set anew in the environment wins over one rotated from an older value.
 */
export interface CredentialVault {
  /** The value rotated from `configured`, if one is stored; else `configured`. */
  current(name: string, configured: string): Promise<string>;
  /** Keeps `value`, which the CRM issued in place of `configured` (or of its rotations). */
  rotated(name: string, configured: string, value: string): Promise<void>;
}

/** What a provider knows of the loaded config. */
export interface ProviderSettings {
  /** The config file, for error messages. */
  configFile: string;
  crm: CrmSection;
  program: Program;
  programConfig: ProgramConfig;
}

export interface ProviderContext extends ProviderSettings {
  /** The process environment (read only the variables the provider declares). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Folder for local state (the in-process sandbox keeps its CRM there). */
  dataDir: string;
  credentials?: CredentialVault | undefined;
}

/** Links from the dashboard to CRM records. Ids are untrusted CRM text: a link needs a valid id shape. */
export interface CrmLinker {
  /** The CRM's name for people ("HubSpot"), or null when records have no link. */
  readonly label: string | null;
  partner(id: string): string | null;
  deal(id: string): string | null;
}

export const NO_LINKS: CrmLinker = { label: null, partner: () => null, deal: () => null };

export interface CrmProvider {
  /** The value of `crm.provider` that selects it. */
  readonly name: string;
  /** One line for people: what it connects to. */
  readonly description: string;
  /** The `crm:` blocks it reads. */
  readonly blocks: readonly ConfigBlock[];
  readonly env: readonly EnvVariable[];
  /** An emulator running in this process with generated data (what `partnersync demo` runs on). */
  readonly inProcessSandbox: boolean;
  /** Problems a sync would refuse the config for, found without calling the CRM. */
  checkConfig(settings: ProviderSettings): ConfigIssue[];
  /** Missing or unreadable credentials, found without calling the CRM (paths name the variables); `settings` when a config file is loaded. */
  checkEnv(env: Readonly<Record<string, string | undefined>>, settings?: ProviderSettings): ConfigIssue[];
  createAdapter(ctx: ProviderContext): Promise<CrmAdapter>;
  links(settings: ProviderSettings, account: string): CrmLinker;
  /** Long-lived change-event sources `serve` runs (none: scheduled syncs only). */
  eventSources(ctx: ProviderContext, adapter: CrmAdapter): EventSource[];
  /** Webhook endpoints `serve` mounts under /v1/webhooks/. */
  receivers(ctx: ProviderContext): HttpReceiver[];
}

/** A variable's value, trimmed; undefined when unset or blank (a blank variable counts as unset). */
export function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

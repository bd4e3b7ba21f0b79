// `partnersync sandbox`: a local CRM emulator (src/sandbox/) that the official SDKs talk
// to unchanged. The first stdout line is `listening on http://127.0.0.1:PORT`; Ctrl-C stops it
// (saving the state file, when one is given).

import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { FaultSpecError, parseFaultSpec } from '../../sandbox/faults.ts';
import { CRM_NAMES, type CrmName, type FieldsMode } from '../../sandbox/personality.ts';
import { startSandbox, type SandboxOptions } from '../../sandbox/server.ts';

interface SandboxCliOptions {
  crm: CrmName;
  host: string;
  port: number;
  seed: number;
  partners: number;
  deals: number;
  anchor?: string;
  limits: 'real' | 'off';
  faults?: string;
  fields: FieldsMode;
  stateFile?: string;
  searchLagMs: number;
  dailyLimit?: number;
  tokenTtl?: number;
  singleCurrency?: boolean;
  timezone?: string;
}

function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export function registerSandbox(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description('Run a local CRM emulator with seeded partner data (for the demo, tests and benchmarks)')
    .addOption(new Option('--crm <crm>', 'which CRM to emulate').choices([...CRM_NAMES]).makeOptionMandatory())
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = a random free port)', nonNegativeInt, 0)
    .option('--seed <n>', 'seed of the generated data, faults and mutations', nonNegativeInt, 1)
    .option('--partners <n>', 'partner companies to generate', nonNegativeInt, 50)
    .option('--deals <n>', 'deals to generate', nonNegativeInt, 2000)
    .option('--anchor <iso>', 'generate data around this instant (default: today 00:00 UTC)')
    .addOption(
      new Option('--limits <mode>', "enforce the CRM's real limits or none").choices(['real', 'off']).default('real'),
    )
    .option(
      '--faults <spec>',
      'fault injection, e.g. "429:0.1,500:0.05,timeout:0.02,slow:0.1@800ms" (see src/sandbox/faults.ts)',
    )
    .addOption(
      new Option('--fields <mode>', 'partnersync fields already provisioned, or a bare CRM')
        .choices(['provisioned', 'bare'])
        .default('provisioned'),
    )
    .option('--state-file <file>', 'load the CRM from this file when present; save it after changes and on exit')
    .option('--search-lag-ms <ms>', 'search results lag writes by this much', nonNegativeInt, 0)
    .option('--daily-limit <n>', "daily API allocation (default: the CRM's real one)", nonNegativeInt)
    .option('--token-ttl <seconds>', 'lifetime of tokens the OAuth endpoint issues', nonNegativeInt)
    .option(
      '--timezone <zone>',
      "the CRM account's time zone (IANA; the program's): seeded close dates are days there",
      'UTC',
    )
    .option('--single-currency', 'Salesforce: a single-currency org (no CurrencyIsoCode field, amounts in USD)')
    .action(async (opts: SandboxCliOptions) => {
      if (opts.anchor !== undefined && Number.isNaN(Date.parse(opts.anchor)))
        throw new CliError(EXIT_BAD_INPUT, [`--anchor: "${opts.anchor}" is not an ISO date or instant`]);
      try {
        if (opts.faults !== undefined) parseFaultSpec(opts.faults);
      } catch (err) {
        if (err instanceof FaultSpecError) throw new CliError(EXIT_BAD_INPUT, [`--faults: ${err.message}`]);
        throw err;
      }
      const options: SandboxOptions = {
        crm: opts.crm,
        host: opts.host,
        port: opts.port,
        seed: opts.seed,
        partners: opts.partners,
        deals: opts.deals,
        limits: opts.limits,
        fields: opts.fields,
        searchLagMs: opts.searchLagMs,
        onError: (err) => {
          ctx.io.stderr(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      };
      if (opts.anchor !== undefined) options.anchor = opts.anchor;
      if (opts.faults !== undefined) options.faults = opts.faults;
      if (opts.stateFile !== undefined) options.stateFile = opts.stateFile;
      if (opts.dailyLimit !== undefined) options.dailyLimit = opts.dailyLimit;
      if (opts.tokenTtl !== undefined) options.tokenTtlSeconds = opts.tokenTtl;
      if (opts.timezone !== undefined) {
        if (!isIanaZone(opts.timezone))
          throw new CliError(EXIT_BAD_INPUT, [
            `--timezone: "${opts.timezone}" is not an IANA time zone such as America/New_York`,
          ]);
        options.timezone = opts.timezone;
      }
      if (opts.singleCurrency === true) {
        if (opts.crm !== 'salesforce')
          throw new CliError(EXIT_BAD_INPUT, ['--single-currency: only with --crm salesforce']);
        options.extra = { multiCurrency: false };
      }
      const sandbox = await startSandbox(options);
      ctx.io.stdout(`listening on ${sandbox.url}\n`);
      for (const line of connectionHelp(opts.crm, sandbox.url)) ctx.io.stdout(`${line}\n`);
      await untilSignal();
      await sandbox.stop();
    });
}

/**
 * What to put in a partnersync config and environment to sync against this sandbox with the real
 * connector (the credentials are ones the emulator accepts; it checks their shape, not secrets),
 * and how to make changes a sync will pick up.
 */
export function connectionHelp(crm: CrmName, url: string): string[] {
  const config =
    crm === 'hubspot'
      ? [
          '  crm:',
          '    provider: hubspot',
          `    hubspot: { basePath: "${url}", searchLagSeconds: 0 }`,
          '  environment: HUBSPOT_ACCESS_TOKEN=partnersync-sandbox',
        ]
      : [
          '  crm:',
          '    provider: salesforce',
          `    salesforce: { loginUrl: "${url}", instanceUrl: "${url}" }`,
          '  environment: SF_CLIENT_ID=partnersync-sandbox SF_CLIENT_SECRET=sandbox-secret SF_REFRESH_TOKEN=sandbox-refresh-token',
        ];
  return [
    `to sync partnersync against it, use the config keys and credentials below (then: partnersync provision, partnersync sync):`,
    ...config,
    `try changes: curl -X POST ${url}/__sandbox/mutate -H 'content-type: application/json' -d '{"count":5}'  (5 deals change amount or stage; the next sync posts adjustments or clawbacks)`,
    `inspect: GET ${url}/__sandbox/state (records), GET ${url}/__sandbox/stats (API calls); POST ${url}/__sandbox/reset (back to the seed data)`,
  ];
}

/** Resolves on Ctrl-C or SIGTERM, so the state file is saved before exit. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

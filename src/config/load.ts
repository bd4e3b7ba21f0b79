// Reads the config file (YAML), validates it, applies defaults. Every problem is reported with
// its path; nothing here throws anything but ConfigError for bad input.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { CrmProvider, ProviderSettings } from '../crm/provider.ts';
import type { ProviderRegistry } from '../crm/registry.ts';
import { builtInProviders } from '../providers.ts';
import { financeIssues } from './finance-schema.ts';
import { configSchema, type ConfigFile } from './schema.ts';
import { crossReferenceIssues, normaliseProgram } from './program-schema.ts';
import { ConfigError, formatPath, fromZodIssues, type ConfigIssue } from './errors.ts';
import { prepareProgram, type Program, type ProgramConfig } from '../domain/program.ts';

export const DEFAULT_CONFIG_PATH = 'config/partnersync.yaml';

export interface LoadedConfig {
  /** Absolute path of the file read. */
  file: string;
  config: ConfigFile;
  programConfig: ProgramConfig;
  program: Program;
  /** The registry the `crm:` section was parsed with. */
  providers: ProviderRegistry;
}

/** `--config F`, else PARTNERSYNC_CONFIG, else config/partnersync.yaml (docs/product.md). */
export function resolveConfigPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  return path.resolve(cwd, flag ?? env['PARTNERSYNC_CONFIG'] ?? DEFAULT_CONFIG_PATH);
}

/** Parses config text. `source` names the file in error messages. */
export function parseConfigText(
  text: string,
  source: string,
  providers: ProviderRegistry = builtInProviders,
): Omit<LoadedConfig, 'file'> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        // where the problem starts, 1-based, as editors count
        const at = lineCounter.linePos(e.pos[0]);
        return {
          path: `line ${at.line}, column ${at.col}`,
          message: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
        };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // the yaml library refuses alias expansions that would blow up (a "billion laughs" file)
    // and other unresolvable documents while building values
    throw new ConfigError(source, [
      {
        path: '',
        message: `YAML: ${err instanceof Error ? err.message : String(err)}; write the values out instead of repeating aliases (*name)`,
      },
    ]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, [
      { path: '', message: 'the file must be a YAML mapping with at least a `program:` section' },
    ]);
  }
  const reserved = reservedKeyIssues(raw);
  if (reserved.length > 0) throw new ConfigError(source, reserved);
  // reportInput: a wrongly typed value is named in the message (it read "is required" without it)
  const result = configSchema(providers).safeParse(raw, { reportInput: true });
  const crossRefs = crossReferenceIssues((raw as Record<string, unknown>)['program']).map((i) => ({
    path: formatPath(['program', ...i.path]),
    message: i.message,
  }));
  if (result.success) crossRefs.push(...financeIssues(result.data));
  if (!result.success || crossRefs.length > 0) {
    const issues = result.success ? [] : fromZodIssues(result.error.issues);
    const seen = new Set(issues.map((i) => `${i.path}: ${i.message}`));
    throw new ConfigError(source, [...issues, ...crossRefs.filter((i) => !seen.has(`${i.path}: ${i.message}`))]);
  }
  const programConfig = normaliseProgram(result.data.program);
  return { config: result.data, programConfig, program: prepareProgram(programConfig), providers };
}

/**
 * `__proto__` anywhere as a key: JavaScript objects reserve it, and the schema would drop it
 * without a word (a plan or recipe of that name would vanish), so it is refused with its path.
 */
function reservedKeyIssues(value: unknown, path: readonly (string | number)[] = []): ConfigIssue[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v: unknown, i) => reservedKeyIssues(v, [...path, i]));
  const issues: ConfigIssue[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__')
      issues.push({
        path: formatPath([...path, key]),
        message: '"__proto__" cannot be used as a name here (JavaScript reserves it); choose another name',
      });
    else issues.push(...reservedKeyIssues(v, [...path, key]));
  }
  return issues;
}

export function loadConfigFile(file: string, providers: ProviderRegistry = builtInProviders): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      {
        path: '',
        message:
          code === 'ENOENT'
            ? 'config file not found; pass --config F, set PARTNERSYNC_CONFIG, or create config/partnersync.yaml (see config/examples/)'
            : `cannot read the config file (${code ?? String(err)})`,
      },
    ]);
  }
  return { file, ...parseConfigText(text, file, providers) };
}

/** The CRM the config connects to, and what its provider knows of the config. */
export interface ActiveCrm {
  provider: CrmProvider;
  settings: ProviderSettings;
}

/** The configured provider; a ConfigError when the config has no `crm:` section. */
export function activeCrm(loaded: LoadedConfig): ActiveCrm {
  const crm = loaded.config.crm;
  if (crm === undefined) {
    throw new ConfigError(loaded.file, [
      {
        path: 'crm',
        message: `is required to talk to a CRM; add crm.provider (${loaded.providers.names().join(', ')})`,
      },
    ]);
  }
  const provider = loaded.providers.get(crm.provider);
  // the schema accepts only registered names, so this is a registry that changed after parsing
  if (provider === undefined) throw new Error(`crm.provider ${crm.provider} is not registered`);
  return {
    provider,
    settings: { configFile: loaded.file, crm, program: loaded.program, programConfig: loaded.programConfig },
  };
}

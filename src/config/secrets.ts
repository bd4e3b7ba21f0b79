// Secrets the config refers to by environment-variable NAME (`passwordEnv: SMTP_PASSWORD`): read
// here, once, from the environment, and nowhere else (docs/architecture.md: config/ is the only place
// that reads process variables). A missing variable is a config error naming the key that refers
// to it. `redact` scrubs the values from any text before it is logged or stored (a library's
// error message may quote a webhook URL).

import { ConfigError, type ConfigIssue } from './errors.ts';
import type { ConfigFile } from './schema.ts';

export interface SecretRef {
  /** The config key that names the variable (`notifications.channels.ops.smtp.passwordEnv`). */
  path: string;
  /** The variable's name. */
  name: string;
}

/** Every environment variable the config names as a secret. */
export function secretRefs(config: ConfigFile): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const [id, c] of Object.entries(config.notifications?.channels ?? {})) {
    const at = `notifications.channels.${id}`;
    if (c.type === 'email' && c.smtp.passwordEnv !== undefined)
      refs.push({ path: `${at}.smtp.passwordEnv`, name: c.smtp.passwordEnv });
    if (c.type === 'slack' && c.webhookUrlEnv !== undefined)
      refs.push({ path: `${at}.webhookUrlEnv`, name: c.webhookUrlEnv });
    if (c.type === 'slack' && c.tokenEnv !== undefined) refs.push({ path: `${at}.tokenEnv`, name: c.tokenEnv });
    if (c.type === 'webhook') refs.push({ path: `${at}.secretEnv`, name: c.secretEnv });
  }
  const payeeKey = config.finance?.payees?.keyEnv;
  if (payeeKey !== undefined) refs.push({ path: 'finance.payees.keyEnv', name: payeeKey });
  const sso = config.auth.sso;
  if (sso?.clientSecretEnv !== undefined) refs.push({ path: 'auth.sso.clientSecretEnv', name: sso.clientSecretEnv });
  return refs;
}

export class Secrets {
  readonly #values: ReadonlyMap<string, string>;

  private constructor(values: ReadonlyMap<string, string>) {
    this.#values = values;
  }

  /** No secrets (a config without notifications or SSO, and tests that need none). */
  static none(): Secrets {
    return new Secrets(new Map());
  }

  /** Reads every variable the config names; throws ConfigError for each one that is unset or empty. */
  static fromEnv(config: ConfigFile, raw: Readonly<Record<string, string | undefined>>): Secrets {
    const values = new Map<string, string>();
    const issues: ConfigIssue[] = [];
    for (const ref of secretRefs(config)) {
      const value = raw[ref.name]?.trim();
      if (value === undefined || value === '')
        issues.push({
          path: ref.path,
          message: `names ${ref.name}, which is not set in the environment; set it or remove the key`,
        });
      else values.set(ref.name, value);
    }
    if (issues.length > 0) throw new ConfigError('environment', issues);
    return new Secrets(values);
  }

  /** The value of a variable the config names (checked at start-up). */
  get(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined) throw new Error(`secret ${name} was not read at start-up (not named in the config)`);
    return value;
  }

  /** The values read (for the logger's redaction, src/log.ts). */
  values(): string[] {
    return [...this.#values.values()];
  }

  /** Text with every secret value replaced by [redacted]. */
  redact(text: string): string {
    let out = text;
    for (const value of this.#values.values()) if (value.length >= 4) out = out.split(value).join('[redacted]');
    return out;
  }
}

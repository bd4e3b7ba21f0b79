// Structured logs (pino): JSON in production, readable lines on a terminal. Tokens, secrets and
// authorization headers are redacted wherever they appear in a logged object.

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'password',
  '*.password',
  'token',
  '*.token',
  'tokens',
  '*.tokens',
  'secret',
  '*.secret',
  'jwtKey',
  '*.jwtKey',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'databaseUrl',
  '*.databaseUrl',
];

export interface LogOptions {
  level?: string | undefined;
  /** Human-readable lines (a terminal); JSON otherwise. */
  pretty?: boolean | undefined;
  destination?: pino.DestinationStream | undefined;
  /**
   * Secret values (Env.secrets): blanked wherever they appear in a line, under any key or inside
   * a message, in addition to the key paths above.
   */
  secrets?: readonly string[] | undefined;
}

/** Replaces every secret, as written and as JSON escapes it, with [redacted]. */
export function redactSecrets(secrets: readonly string[]): (line: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    .filter((s) => s.length > 0)
    // longest first, so a secret containing another is blanked whole
    .sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join('[redacted]');
    return out;
  };
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'partnersync' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.secrets !== undefined && options.secrets.length > 0
      ? { hooks: { streamWrite: redactSecrets(options.secrets) } }
      : {}),
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    // a terminal: one readable line per entry, on stderr so command output stays on stdout
    return pino(
      base,
      pretty({
        colorize: true,
        sync: true,
        destination: 2,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,service',
      }),
    );
  }
  return pino(base, pino.destination({ dest: 1, sync: false }));
}

/** A logger that drops everything (tests, quiet commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

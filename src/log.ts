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
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'partnersync' },
    timestamp: pino.stdTimeFunctions.isoTime,
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

// Small pieces every route file uses: the API version of the path, JSON object bodies, origins.

import type { Request } from 'express';
import { SfApiError } from '../errors.ts';

/** Oldest to newest REST API versions the sandbox org answers (Spring '15 … Spring '26). */
export const API_VERSIONS: readonly string[] = Array.from({ length: 66 - 33 + 1 }, (_, i) => `${33 + i}.0`);

/** `66.0` from the `:version` path parameter (`v66.0`); unknown versions are a 404 as in Salesforce. */
export function apiVersion(req: Request): string {
  const raw = req.params['version'];
  const version = typeof raw === 'string' ? raw.replace(/^v/, '') : '';
  if (!/^v\d+\.\d$/.test(String(raw)) || !API_VERSIONS.includes(version)) {
    throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  return version;
}

/** Release name of an API version: 66.0 → Spring '26 (three releases a year). */
export function releaseLabel(version: string): string {
  const offset = 66 - Math.floor(Number(version));
  const season = ['Spring', 'Winter', 'Summer'][((offset % 3) + 3) % 3] ?? 'Spring';
  const year = 26 - Math.floor((offset + 1) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function objectBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SfApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function origin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

export function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

export function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

// Config problems, each with the path of the offending key and what to write instead.

import type { z } from 'zod';

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(`${source}: ${issues.length} problem(s)\n${issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.source = source;
    this.issues = issues;
  }

  /** One line per problem, as `config validate` prints them. */
  lines(): string[] {
    const head = `${this.source}: ${this.issues.length} problem${this.issues.length === 1 ? '' : 's'}`;
    return [head, ...this.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))];
  }
}

/** `program.plans.referral-tiered.tiers[2].minWonDeals` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** Turns zod issues into path-named lines that say what to write instead. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            path: formatPath([...path, key]),
            message: `unknown key; remove it or check its spelling${issue.message.startsWith('allowed:') ? ` (${issue.message})` : ''}`,
          });
        }
        break;
      case 'invalid_type':
        out.push({
          path: formatPath(path),
          message:
            issue.input === undefined
              ? `is required (${issue.message})`
              : `${issue.message} (got ${describeValue(issue.input)})`,
        });
        break;
      case 'invalid_union':
        if (issue.errors.length > 0 && issue.discriminator === undefined) {
          // report the alternative that got furthest: the one with the fewest problems
          const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
          out.push(...fromZodIssues(best, path));
        } else {
          out.push({ path: formatPath(path), message: issue.message });
        }
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

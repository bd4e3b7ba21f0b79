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

/** What a type looks like in YAML, for messages about a value of the wrong type. */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'text, e.g. "USD"',
  number: 'a number, e.g. 8000',
  int: 'a whole number, e.g. 30',
  boolean: 'true or false',
  object: 'a mapping (indented `key: value` lines)',
  record: 'a mapping (indented `key: value` lines)',
  map: 'a mapping (indented `key: value` lines)',
  array: 'a list (indented `- item` lines, or [a, b])',
};

/** zod's own wording ("Invalid input: expected number, received string") in config terms. */
function typeMessage(issue: z.core.$ZodIssueInvalidType): string {
  const shape = EXPECTED[issue.expected] ?? issue.expected;
  if (issue.message.startsWith('Invalid input')) return `must be ${shape}`;
  // a schema's own "is required: …" wording only fits a missing value; a present one has the wrong type
  const required = /^is required[:;,]?\s*(.*)$/s.exec(issue.message);
  if (issue.input !== undefined && required !== null)
    return `must be ${shape}${required[1] === '' || required[1] === undefined ? '' : ` — ${required[1]}`}`;
  return issue.message;
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
              ? issue.message.startsWith('is required')
                ? issue.message
                : `is required (${typeMessage(issue)})`
              : `${typeMessage(issue)} (got ${describeValue(issue.input)})`,
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

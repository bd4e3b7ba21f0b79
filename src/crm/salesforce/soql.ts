// Every SOQL statement partnersync sends is built here: values are escaped by type, and object and
// field names must be on an allow-list (the fixed names the connector reads plus the config-mapped
// names, which are checked against Salesforce's API-name pattern before they are allowed).
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm

/** One API name: `Name`, `Partner_Source__c`, `ns__Field__c`, or one relationship hop `Opportunity.SystemModstamp`. */
const NAME_PART = /^(?:[A-Za-z][A-Za-z0-9]*__)?[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?:__[cr])?$/;
const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

export class SoqlError extends Error {
  override readonly name = 'SoqlError';
}

/** Whether text is a syntactically valid API name (optionally one relationship hop). */
export function isApiName(text: string): boolean {
  const parts = text.split('.');
  return parts.length <= 2 && text.length <= 120 && parts.every((p) => NAME_PART.test(p));
}

/** A SOQL literal, already rendered; only the constructors below make one. */
export interface Literal {
  readonly soql: string;
}

const SOQL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Escapes a string for the inside of a SOQL quoted literal. */
export function escapeSoqlString(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (c) => SOQL_ESCAPES[c] ?? c);
}

/** Escapes a string for a LIKE pattern: also `%` and `_`, which are wildcards there. */
export function escapeLike(value: string): string {
  return escapeSoqlString(value).replace(/[%_]/g, (c) => `\\${c}`);
}

export const lit = {
  string: (value: string): Literal => ({ soql: `'${escapeSoqlString(value)}'` }),
  id: (value: string): Literal => {
    if (!ID.test(value)) throw new SoqlError(`not a Salesforce id: ${JSON.stringify(value)}`);
    return { soql: `'${value}'` };
  },
  /** An instant as a dateTime literal in UTC (`2026-03-01T10:00:00.000Z`). */
  dateTime: (ms: number): Literal => {
    if (!Number.isFinite(ms)) throw new SoqlError(`not an instant: ${ms}`);
    return { soql: new Date(ms).toISOString() };
  },
  date: (value: string): Literal => {
    if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
      throw new SoqlError(`not a date: ${JSON.stringify(value)}`);
    return { soql: value };
  },
  number: (value: number | string): Literal => {
    const text = typeof value === 'number' ? String(value) : value;
    if (!DECIMAL.test(text)) throw new SoqlError(`not a plain number: ${JSON.stringify(value)}`);
    return { soql: text };
  },
  boolean: (value: boolean): Literal => ({ soql: value ? 'true' : 'false' }),
  null: { soql: 'null' } as Literal,
  /** A config value (partner filter): strings quoted, numbers and booleans bare. */
  scalar: (value: string | number | boolean): Literal =>
    typeof value === 'string' ? lit.string(value) : typeof value === 'number' ? lit.number(value) : lit.boolean(value),
};

/** A WHERE condition, with the fields it names so `select` can check them. */
export interface Condition {
  readonly soql: string;
  readonly fields: readonly string[];
}

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

export const where = {
  cmp: (field: string, op: Comparison, value: Literal): Condition => ({
    soql: `${field} ${op} ${value.soql}`,
    fields: [field],
  }),
  eq: (field: string, value: Literal): Condition => where.cmp(field, '=', value),
  in: (field: string, values: readonly Literal[]): Condition => {
    if (values.length === 0) throw new SoqlError(`IN list for ${field} is empty`);
    // No space after the commas: every byte counts towards the URI limit (see IDS_PER_IN_LIST).
    return { soql: `${field} IN (${values.map((v) => v.soql).join(',')})`, fields: [field] };
  },
  /** `field LIKE '%…%'` with the user part escaped; `prefix`/`suffix` are the wildcards around it. */
  like: (field: string, value: string, wildcards: { before: boolean; after: boolean }): Condition => ({
    soql: `${field} LIKE '${wildcards.before ? '%' : ''}${escapeLike(value)}${wildcards.after ? '%' : ''}'`,
    fields: [field],
  }),
  and: (...items: Condition[]): Condition => join('AND', items),
  or: (...items: Condition[]): Condition => join('OR', items),
  not: (item: Condition): Condition => ({ soql: `NOT (${item.soql})`, fields: item.fields }),
};

function join(op: 'AND' | 'OR', items: readonly Condition[]): Condition {
  if (items.length === 0) throw new SoqlError(`${op} of nothing`);
  if (items.length === 1 && items[0] !== undefined) return items[0];
  // Every operand is parenthesised: SOQL refuses AND and OR mixed without parentheses.
  return { soql: items.map((c) => `(${c.soql})`).join(` ${op} `), fields: items.flatMap((c) => c.fields) };
}

/**
 * The names a connector may use: per object, the fields it may select or filter on. Names
 * are compared case-insensitively, as Salesforce does.
 */
export class SoqlAllowList {
  readonly #objects = new Map<string, Set<string>>();

  /** Allows an object and fields on it; throws if a name is not a valid API name. */
  allow(object: string, fields: readonly string[]): this {
    if (!isApiName(object) || object.includes('.'))
      throw new SoqlError(`not an object API name: ${JSON.stringify(object)}`);
    const set = this.#objects.get(object.toLowerCase()) ?? new Set<string>();
    for (const f of fields) {
      if (!isApiName(f)) throw new SoqlError(`not a field API name: ${JSON.stringify(f)}`);
      set.add(f.toLowerCase());
    }
    this.#objects.set(object.toLowerCase(), set);
    return this;
  }

  check(object: string, fields: readonly string[]): void {
    const set = this.#objects.get(object.toLowerCase());
    if (set === undefined) throw new SoqlError(`object ${object} is not on the SOQL allow-list`);
    const bad = fields.filter((f) => !set.has(f.toLowerCase()));
    if (bad.length > 0) throw new SoqlError(`field(s) ${bad.join(', ')} of ${object} are not on the SOQL allow-list`);
  }
}

export interface SelectSpec {
  object: string;
  fields: readonly string[];
  where?: Condition | undefined;
  orderBy?: readonly string[] | undefined;
  limit?: number | undefined;
}

/** `SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT n]`, every name checked against the allow-list. */
export function select(allow: SoqlAllowList, spec: SelectSpec): string {
  const fields = [...new Set(spec.fields)];
  if (fields.length === 0) throw new SoqlError('SELECT of no fields');
  const order = spec.orderBy ?? [];
  allow.check(spec.object, [...fields, ...(spec.where?.fields ?? []), ...order]);
  let soql = `SELECT ${fields.join(', ')} FROM ${spec.object}`;
  if (spec.where) soql += ` WHERE ${spec.where.soql}`;
  if (order.length > 0) soql += ` ORDER BY ${order.join(', ')}`;
  if (spec.limit !== undefined) {
    if (!Number.isInteger(spec.limit) || spec.limit < 0) throw new SoqlError(`bad LIMIT ${spec.limit}`);
    soql += ` LIMIT ${spec.limit}`;
  }
  return soql;
}

/**
 * Request URI plus headers may not exceed 16,384 bytes; the query text keeps under this budget,
 * leaving room for the path, the bearer token and the other headers.
 * https://help.salesforce.com/s/articleView?id=000386264&type=1
 */
export const QUERY_URI_BUDGET = 13_000;

/** How a query parameter is written into the URL (as jsforce does: quotes stay, commas are escaped). */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value);
}

/** How many ids one IN list may hold, given the query written with a single id in it. */
export function idsPerInList(soqlWithOneId: string): number {
  const perId = encodeQueryValue("'000000000000000AAA',").length;
  const other = encodeQueryValue(soqlWithOneId).length - perId;
  return Math.max(1, Math.min(2000, Math.floor((QUERY_URI_BUDGET - other) / perId)));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// WHERE clauses compiled to predicates, with Salesforce's typing and null rules: text compares
// case-insensitively, a literal must match the field's type (quoted strings for text, bare
// numbers, dates and dateTimes), `!=` and `NOT IN` keep rows whose value is null, and ordering
// operators never match null.

import { normalizeId } from '../ids.ts';
import type { ObjectTable } from '../store/object-table.ts';
import { NUMERIC_TYPES } from '../schema/types.ts';
import type { FieldDef, FieldValue, SfRecord } from '../schema/types.ts';
import type { ComparisonOp, Condition, Literal } from './ast.ts';
import { resolvePath } from './resolve.ts';
import type { QuerySchema, ResolvedField } from './resolve.ts';
import { soqlError } from './soql-error.ts';

export type Predicate = (row: SfRecord) => boolean;
type Comparable = string | number | boolean;

const LIKE_TYPES = new Set(['string', 'picklist', 'email', 'phone', 'url', 'textarea']);

/** The value a stored field value is compared as. */
export function comparable(def: FieldDef, value: FieldValue): Comparable | null {
  if (value === null) return null;
  if (typeof value !== 'string') return value;
  if (def.type === 'id' || def.type === 'reference') return value;
  if (def.type === 'multipicklist')
    return value
      .split(';')
      .map((v) => v.trim().toUpperCase())
      .sort()
      .join(';');
  if (def.type === 'date') return value;
  return value.toUpperCase();
}

/** Long text areas (and metadata values) cannot be filtered or sorted in Salesforce. */
export function isLongText(def: FieldDef): boolean {
  return (def.type === 'textarea' && (def.length ?? 0) > 255) || def.type === 'complexvalue';
}

class FilterCompiler {
  private readonly base: ObjectTable;
  private readonly schema: QuerySchema;
  private readonly source: string;

  constructor(base: ObjectTable, schema: QuerySchema, source: string) {
    this.base = base;
    this.schema = schema;
    this.source = source;
  }

  compile(c: Condition): Predicate {
    switch (c.kind) {
      case 'and': {
        const parts = c.items.map((i) => this.compile(i));
        return (row) => parts.every((p) => p(row));
      }
      case 'or': {
        const parts = c.items.map((i) => this.compile(i));
        return (row) => parts.some((p) => p(row));
      }
      case 'not': {
        const inner = this.compile(c.item);
        return (row) => !inner(row);
      }
      case 'compare':
        return this.comparison(this.field(c.field), c.op, c.value);
      case 'in':
        return this.membership(this.field(c.field), c.negated, c.values);
      case 'like':
        return this.like(this.field(c.field), c.pattern, c.pos);
    }
  }

  private field(path: Parameters<typeof resolvePath>[0]): ResolvedField {
    const f = resolvePath(path, this.base, this.schema, this.source);
    if (isLongText(f.def)) {
      throw soqlError(
        'INVALID_FIELD',
        this.source,
        path.pos,
        `field '${f.canonical}' can not be filtered in a query call`,
      );
    }
    return f;
  }

  private typeError(f: ResolvedField, lit: Literal, expected: string, quoted: boolean): never {
    const quoting = quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes';
    throw soqlError(
      'INVALID_QUERY_FILTER_OPERATOR',
      this.source,
      lit.pos,
      `value of filter criterion for field '${f.canonical}' must be of type ${expected} and ${quoting}`,
    );
  }

  /** The literal as a comparable value of the field's type (null for NULL). */
  private literal(f: ResolvedField, lit: Literal): Comparable | null {
    if (lit.kind === 'null') return null;
    const t = f.def.type;
    if (t === 'id' || t === 'reference') {
      if (lit.kind !== 'string') return this.typeError(f, lit, 'id', true);
      const id = normalizeId(lit.value);
      if (id === null)
        throw soqlError('INVALID_QUERY_FILTER_OPERATOR', this.source, lit.pos, `invalid ID field: ${lit.value}`);
      return id;
    }
    if (t === 'boolean') return lit.kind === 'boolean' ? lit.value : this.typeError(f, lit, 'boolean', false);
    if (NUMERIC_TYPES.has(t))
      return lit.kind === 'number' ? lit.value : this.typeError(f, lit, t === 'int' ? 'int' : 'double', false);
    if (t === 'date') return lit.kind === 'date' ? lit.value : this.typeError(f, lit, 'date', false);
    if (t === 'datetime') return lit.kind === 'datetime' ? lit.value : this.typeError(f, lit, 'dateTime', false);
    return lit.kind === 'string' ? comparable(f.def, lit.value) : this.typeError(f, lit, 'string', true);
  }

  private comparison(f: ResolvedField, op: ComparisonOp, lit: Literal): Predicate {
    const want = this.literal(f, lit);
    if (op !== '=' && op !== '!=' && (f.def.type === 'boolean' || f.def.type === 'multipicklist')) {
      throw soqlError(
        'INVALID_QUERY_FILTER_OPERATOR',
        this.source,
        lit.pos,
        `invalid operator on ${f.def.type} field: ${f.canonical}`,
      );
    }
    const value = (row: SfRecord): Comparable | null => comparable(f.def, f.get(row));
    switch (op) {
      case '=':
        return (row) => value(row) === want;
      case '!=':
        return (row) => value(row) !== want;
      default: {
        if (want === null) return () => false;
        const test = ORDERINGS[op];
        return (row) => {
          const v = value(row);
          return v !== null && test(v, want);
        };
      }
    }
  }

  private membership(f: ResolvedField, negated: boolean, lits: Literal[]): Predicate {
    const wanted = new Set(lits.map((l) => this.literal(f, l)));
    return (row) => wanted.has(comparable(f.def, f.get(row))) !== negated;
  }

  private like(f: ResolvedField, pattern: string, pos: number): Predicate {
    if (!LIKE_TYPES.has(f.def.type)) {
      throw soqlError('INVALID_QUERY_FILTER_OPERATOR', this.source, pos, `invalid operator on field: ${f.canonical}`);
    }
    const re = new RegExp(pattern, 'i');
    return (row) => {
      const v = f.get(row);
      return typeof v === 'string' && re.test(v);
    };
  }
}

const ORDERINGS: Readonly<Record<'<' | '<=' | '>' | '>=', (a: Comparable, b: Comparable) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export function compileFilter(c: Condition | null, base: ObjectTable, schema: QuerySchema, source: string): Predicate {
  return c === null ? () => true : new FilterCompiler(base, schema, source).compile(c);
}

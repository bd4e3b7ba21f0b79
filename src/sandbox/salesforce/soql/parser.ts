// Recursive-descent parser for the SOQL subset the sandbox serves:
//
//   query     := SELECT (COUNT '(' ')' | path (',' path)*) FROM ident
//                [WHERE cond] [ORDER BY key (',' key)*] [LIMIT int] [OFFSET int]
//   cond      := unary ((AND unary)* | (OR unary)*)      -- mixing AND/OR needs parentheses
//   unary     := NOT unary | '(' cond ')' | predicate
//   predicate := path op literal | path [NOT] IN '(' literal (',' literal)* ')' | path LIKE string
//   key       := path [ASC|DESC] [NULLS (FIRST|LAST)]
//
// Real SOQL features outside this subset are rejected with MALFORMED_QUERY and a message that
// says the sandbox does not support them, never silently ignored.
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm

import type { ComparisonOp, Condition, FieldPath, Literal, OrderKey, SoqlQuery } from './ast.ts';
import { decodeString, tokenize } from './lexer.ts';
import type { Token } from './lexer.ts';
import { parseDateLiteral, parseDateTimeLiteral } from './literals.ts';
import { soqlError } from './soql-error.ts';
import type { SfApiError } from '../errors.ts';

const MAX_OFFSET = 2000;

/** Real SOQL keywords this sandbox does not implement, named in the rejection message. */
const UNSUPPORTED_CLAUSES = new Set([
  'GROUP',
  'HAVING',
  'WITH',
  'USING',
  'FOR',
  'TYPEOF',
  'UPDATE',
  'INCLUDES',
  'EXCLUDES',
]);
const CLAUSE_WORDS = new Set([
  'FROM',
  'WHERE',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ASC',
  'DESC',
  'NULLS',
  ...UNSUPPORTED_CLAUSES,
]);
const COMPARISONS: Readonly<Record<string, ComparisonOp>> = {
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

class Parser {
  private readonly source: string;
  private readonly tokens: Token[];
  private index = 0;

  constructor(source: string) {
    this.source = source;
    this.tokens = tokenize(source);
  }

  private peek(ahead = 0): Token {
    const last = this.tokens[this.tokens.length - 1];
    if (last === undefined) throw new Error('tokenizer returned no EOF token');
    return this.tokens[this.index + ahead] ?? last;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.index++;
    return t;
  }

  private isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.index++;
    return true;
  }

  fail(token: Token, text?: string): SfApiError {
    const word = token.text.toUpperCase();
    if (token.kind === 'ident' && UNSUPPORTED_CLAUSES.has(word)) {
      return soqlError(
        'MALFORMED_QUERY',
        this.source,
        token.pos,
        `${word} is not supported by the partnersync sandbox's SOQL subset`,
      );
    }
    return soqlError('MALFORMED_QUERY', this.source, token.pos, text ?? `unexpected token: '${token.text}'`);
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.fail(this.peek());
  }

  private expect(kind: Token['kind']): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.fail(t);
    return this.next();
  }

  parseQuery(): SoqlQuery {
    this.expectWord('SELECT');
    const { fields, count } = this.parseSelectList();
    this.expectWord('FROM');
    const fromToken = this.expect('ident');
    if (fromToken.text.includes('.')) throw this.fail(fromToken);
    const query: SoqlQuery = {
      fields,
      count,
      from: { name: fromToken.text, pos: fromToken.pos },
      where: null,
      orderBy: [],
      limit: null,
      offset: null,
    };
    if (this.peek().kind === 'ident' && !CLAUSE_WORDS.has(this.peek().text.toUpperCase())) {
      throw this.fail(
        this.peek(),
        `unexpected token: '${this.peek().text}' (object aliases are not supported by the partnersync sandbox)`,
      );
    }
    if (this.acceptWord('WHERE')) query.where = this.parseCondition();
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      query.orderBy = this.parseOrderKeys();
    }
    if (this.acceptWord('LIMIT')) query.limit = this.parseCount('LIMIT');
    if (this.acceptWord('OFFSET')) query.offset = this.parseOffset();
    const end = this.peek();
    if (end.kind !== 'eof') throw this.fail(end);
    return query;
  }

  private parseSelectList(): { fields: FieldPath[]; count: boolean } {
    if (this.isWord('COUNT') && this.peek(1).kind === 'lparen') {
      this.next();
      this.next();
      if (this.peek().kind !== 'rparen') {
        throw this.fail(
          this.peek(),
          'COUNT(field) aggregates are not supported by the partnersync sandbox; use COUNT()',
        );
      }
      this.next();
      return { fields: [], count: true };
    }
    const fields = [this.parseSelectItem()];
    while (this.peek().kind === 'comma') {
      this.next();
      fields.push(this.parseSelectItem());
    }
    return { fields, count: false };
  }

  private parseSelectItem(): FieldPath {
    const t = this.peek();
    if (t.kind === 'lparen') throw this.fail(t, 'subqueries are not supported by the partnersync sandbox');
    if (t.kind === 'ident' && this.peek(1).kind === 'lparen') {
      throw this.fail(t, `function ${t.text}() is not supported by the partnersync sandbox`);
    }
    if (t.kind === 'ident' && t.text.toUpperCase() === 'FROM') throw this.fail(t);
    return this.parsePath();
  }

  private parsePath(): FieldPath {
    const t = this.peek();
    if (t.kind !== 'ident' || CLAUSE_WORDS.has(t.text.toUpperCase())) throw this.fail(t);
    this.next();
    const segments = t.text.split('.');
    if (segments.length > 2) {
      throw this.fail(t, `relationship path '${t.text}' is deeper than the one level the partnersync sandbox supports`);
    }
    return { segments, text: t.text, pos: t.pos };
  }

  // cond := unary ((AND unary)* | (OR unary)*)
  private parseCondition(): Condition {
    const first = this.parseUnary();
    const joiner = this.isWord('AND') ? 'AND' : this.isWord('OR') ? 'OR' : null;
    if (joiner === null) return first;
    const items = [first];
    while (this.acceptWord(joiner)) items.push(this.parseUnary());
    const other = joiner === 'AND' ? 'OR' : 'AND';
    if (this.isWord(other))
      throw this.fail(this.peek(), `unexpected token: '${this.peek().text}' (use parentheses to combine AND and OR)`);
    return joiner === 'AND' ? { kind: 'and', items } : { kind: 'or', items };
  }

  private parseUnary(): Condition {
    if (this.acceptWord('NOT')) return { kind: 'not', item: this.parseUnary() };
    if (this.peek().kind === 'lparen') {
      this.next();
      const inner = this.parseCondition();
      this.expect('rparen');
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const field = this.parsePath();
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      const op = COMPARISONS[t.text];
      if (op === undefined) throw this.fail(t);
      return { kind: 'compare', field, op, value: this.parseLiteral() };
    }
    if (this.isWord('NOT') && this.isWord('IN', 1)) {
      this.index += 2;
      return { kind: 'in', field, negated: true, values: this.parseLiteralList() };
    }
    if (this.acceptWord('IN')) return { kind: 'in', field, negated: false, values: this.parseLiteralList() };
    if (this.acceptWord('LIKE')) {
      const lit = this.expect('string');
      return { kind: 'like', field, pattern: this.likePattern(lit), pos: lit.pos };
    }
    throw this.fail(t);
  }

  private parseLiteralList(): Literal[] {
    const open = this.peek();
    if (open.kind === 'colon') throw this.fail(open, 'bind variables are not supported by the REST API');
    this.expect('lparen');
    if (this.peek().kind === 'ident' && this.isWord('SELECT')) {
      throw this.fail(this.peek(), 'semi-join subqueries are not supported by the partnersync sandbox');
    }
    const values = [this.parseLiteral()];
    while (this.peek().kind === 'comma') {
      this.next();
      values.push(this.parseLiteral());
    }
    this.expect('rparen');
    return values;
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: decodeString(this.source, t), pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.text), pos: t.pos };
      case 'date': {
        const value = parseDateLiteral(t.text);
        if (value === null) throw this.fail(t, `invalid date literal '${t.text}'`);
        return { kind: 'date', value, pos: t.pos };
      }
      case 'datetime': {
        const value = parseDateTimeLiteral(t.text);
        if (value === null) throw this.fail(t, `invalid dateTime literal '${t.text}'`);
        return { kind: 'datetime', value, pos: t.pos };
      }
      case 'ident':
        return this.wordLiteral(t);
      case 'colon':
        throw this.fail(t, 'bind variables are not supported by the REST API');
      default:
        throw this.fail(t);
    }
  }

  private wordLiteral(t: Token): Literal {
    const word = t.text.toUpperCase();
    if (word === 'NULL') return { kind: 'null', pos: t.pos };
    if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
    if (
      /^[A-Z_]+$/.test(word) &&
      (this.peek().kind === 'colon' || /DAY|WEEK|MONTH|QUARTER|YEAR|TODAY|TOMORROW/.test(word))
    ) {
      throw this.fail(
        t,
        `date literal ${t.text} is not supported by the partnersync sandbox; use an explicit date or dateTime`,
      );
    }
    throw this.fail(t);
  }

  /** A LIKE literal as an anchored, case-insensitive regular-expression source. */
  private likePattern(token: Token): string {
    const escaped = '\u0000';
    const marked = decodeString(this.source, token, (c) => escaped + c);
    let re = '';
    for (let i = 0; i < marked.length; i++) {
      const c = marked.charAt(i);
      if (c === escaped) {
        re += escapeRegExp(marked.charAt(i + 1));
        i++;
      } else if (c === '%') re += '[\\s\\S]*';
      else if (c === '_') re += '[\\s\\S]';
      else re += escapeRegExp(c);
    }
    return `^${re}$`;
  }

  private parseOrderKeys(): OrderKey[] {
    const keys = [this.parseOrderKey()];
    while (this.peek().kind === 'comma') {
      this.next();
      keys.push(this.parseOrderKey());
    }
    return keys;
  }

  private parseOrderKey(): OrderKey {
    const field = this.parsePath();
    let descending = false;
    if (this.acceptWord('DESC')) descending = true;
    else this.acceptWord('ASC');
    // Salesforce sorts nulls first unless told otherwise, whatever the direction.
    let nullsLast = false;
    if (this.acceptWord('NULLS')) {
      if (this.acceptWord('LAST')) nullsLast = true;
      else this.expectWord('FIRST');
    }
    return { field, descending, nullsLast };
  }

  private parseCount(clause: string): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text))
      throw this.fail(t, `unexpected token: '${t.text}' (${clause} takes a non-negative integer)`);
    return Number(t.text);
  }

  private parseOffset(): number {
    const t = this.peek();
    const n = this.parseCount('OFFSET');
    if (n > MAX_OFFSET)
      throw soqlError('NUMBER_OUTSIDE_VALID_RANGE', this.source, t.pos, `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
    return n;
  }
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export function parseSoql(source: string): SoqlQuery {
  return new Parser(source).parseQuery();
}

// SOQL tokenizer. Keywords are plain identifiers here (SOQL keywords are case-insensitive and
// field names may collide with them); the parser decides what an identifier means.

import { soqlError } from './soql-error.ts';

export type TokenKind =
  'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'lparen' | 'rparen' | 'comma' | 'colon' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token; for strings, the content between the quotes, still escaped. */
  text: string;
  pos: number;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![0-9A-Za-z:])/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?![A-Za-z_])/y;
const OPERATOR = /!=|<>|<=|>=|=|<|>/y;
const PUNCT: Readonly<Record<string, TokenKind>> = { '(': 'lparen', ')': 'rparen', ',': 'comma', ':': 'colon' };

function matchAt(re: RegExp, source: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(source);
  return m ? m[0] : null;
}

/** Index just past the closing quote of a string starting at `pos` (an opening `'`). */
function stringEnd(source: string, pos: number): number {
  let i = pos + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === "'") return i + 1;
    else i++;
  }
  throw soqlError('MALFORMED_QUERY', source, pos, 'unexpected token: unterminated string literal');
}

function readToken(source: string, pos: number): Token {
  const c = source.charAt(pos);
  if (c === "'") {
    const end = stringEnd(source, pos);
    return { kind: 'string', text: source.slice(pos + 1, end - 1), pos };
  }
  const punct = PUNCT[c];
  if (punct !== undefined) return { kind: punct, text: c, pos };
  for (const [kind, re] of [
    ['datetime', DATETIME],
    ['date', DATE],
    ['number', NUMBER],
    ['op', OPERATOR],
    ['ident', IDENT],
  ] as const) {
    const text = matchAt(re, source, pos);
    if (text !== null) return { kind, text, pos };
  }
  throw soqlError('MALFORMED_QUERY', source, pos, `unexpected token: '${c}'`);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    if (/\s/.test(source.charAt(pos))) {
      pos++;
      continue;
    }
    const token = readToken(source, pos);
    tokens.push(token);
    pos = token.kind === 'string' ? token.pos + token.text.length + 2 : token.pos + token.text.length;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: source.length });
  return tokens;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

/**
 * Decodes the escapes of a SOQL string literal. `\%` and `\_` are only legal in LIKE patterns;
 * `onWildcardEscape` receives them (returning the text to put in their place), and without it
 * they are an error as in Salesforce.
 */
export function decodeString(source: string, token: Token, onWildcardEscape?: (c: '%' | '_') => string): string {
  const raw = token.text;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw.charAt(i + 1);
    const simple = SIMPLE_ESCAPES[next.toLowerCase()] ?? SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if ((next === '%' || next === '_') && onWildcardEscape) {
      out += onWildcardEscape(next);
      i++;
    } else if ((next === 'u' || next === 'U') && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      throw soqlError(
        'MALFORMED_QUERY',
        source,
        token.pos,
        `Invalid string literal '${raw}'. Illegal character sequence '\\${next}' in string literal.`,
      );
    }
  }
  return out;
}

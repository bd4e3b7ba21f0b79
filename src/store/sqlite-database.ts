// node:sqlite (built into Node 24) behind Kysely's SqliteDatabase interface: Kysely passes
// parameters as one array and asks whether a statement returns rows (`reader`).

import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const toInput = (v: unknown): SQLInputValue => {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as SQLInputValue;
};

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  private readonly stmt: StatementSync;

  constructor(stmt: StatementSync) {
    this.stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.stmt.all(...parameters.map(toInput));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...parameters.map(toInput));
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.stmt.iterate(...parameters.map(toInput));
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly db: DatabaseSync;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    // WAL: readers (API, exports) never block the sync's writes; busy_timeout waits for another
    // process's write instead of failing at once.
    if (file !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
  }

  prepare(sql: string): SqliteStatement {
    // Kysely opens transactions with a plain BEGIN; IMMEDIATE takes the write lock up front so a
    // transaction that reads then writes cannot fail half-way on another process's write.
    return new NodeSqliteStatement(this.db.prepare(sql === 'begin' ? 'begin immediate' : sql));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

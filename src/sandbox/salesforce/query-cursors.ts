// Server-side query cursors behind `nextRecordsUrl` locators (`01g…-2000`: cursor id, then the
// index of the next row). A cursor holds its result rows until its last page is read; the oldest
// are dropped past a cap, after which their locators answer INVALID_QUERY_LOCATOR as expired
// cursors do in Salesforce.

import { makeId } from './ids.ts';
import type { QueryResult } from './soql/execute.ts';

const MAX_OPEN_CURSORS = 200;
const LOCATOR = /^(01g[0-9A-Za-z]{15})-(\d+)$/;

export interface Cursor {
  id: string;
  result: QueryResult;
  /** queryAll cursors page on through either path, as jsforce always follows /query/{locator}. */
  includeDeleted: boolean;
}

export class CursorStore {
  private readonly open = new Map<string, Cursor>();
  private sequence = 0;

  create(result: QueryResult, includeDeleted: boolean): Cursor {
    this.sequence++;
    const cursor: Cursor = { id: makeId('01g', this.sequence), result, includeDeleted };
    this.open.set(cursor.id, cursor);
    if (this.open.size > MAX_OPEN_CURSORS) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
    return cursor;
  }

  /** The cursor and start row of a locator, or null when it is malformed or expired. */
  resolve(locator: string): { cursor: Cursor; start: number } | null {
    const m = LOCATOR.exec(locator);
    const cursor = m?.[1] === undefined ? undefined : this.open.get(m[1]);
    if (cursor === undefined) return null;
    return { cursor, start: Number(m?.[2]) };
  }

  close(id: string): void {
    this.open.delete(id);
  }
}

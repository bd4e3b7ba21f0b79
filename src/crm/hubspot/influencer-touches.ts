// Influencer touch times from the property history of `partner_influencers` (a multi-checkbox):
// a partner's touch is when its id was added to the value and has stayed there since (removed and
// added again: the later addition). HubSpot answers history newest first; order does not matter.
// https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide (propertiesWithHistory)

import type { SnapshotTouch } from '../../domain/snapshot.ts';
import { formatInstant } from '../../domain/time.ts';
import type { FieldMap } from './field-map.ts';

export interface HistoryEntry {
  /** The property's whole value at that time, as HubSpot stored it. */
  value: string;
  /** ms since the epoch. */
  timestamp: number;
}

const ids = (value: string, fields: FieldMap): string[] =>
  value
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((id) => fields.read('deal.influencers', id) ?? id);

/**
 * Touches of the `current` influencers (canonical partner ids). An id the history does not show
 * (history cut short) is dated `fallbackAt`, the deal's creation.
 */
export function influencerTouches(
  current: readonly string[],
  history: readonly HistoryEntry[],
  fallbackAt: string,
  fields: FieldMap,
): SnapshotTouch[] {
  const addedAt = new Map<string, number>();
  let previous = new Set<string>();
  for (const entry of [...history].sort((a, b) => a.timestamp - b.timestamp)) {
    const now = new Set(ids(entry.value, fields));
    for (const id of now) if (!previous.has(id)) addedAt.set(id, entry.timestamp);
    for (const id of previous) if (!now.has(id)) addedAt.delete(id);
    previous = now;
  }
  return current
    .map((partnerId) => {
      const at = addedAt.get(partnerId);
      return { partnerId, at: at === undefined ? fallbackAt : formatInstant(at) };
    })
    .sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0,
    );
}

// Associations v4 storage: both directions of every link, each with its type ids. Changing a
// link never touches the records' modified dates (docs/crm-notes.md: associations do not bump
// hs_lastmodifieddate), which is the trap connectors must handle with a periodic re-read.

import { associationType, type HsObjectType } from './object-types.ts';

export interface HsLink {
  toId: string;
  typeIds: number[];
}

/** Told when a link between two records appears (its first type) or goes (its last type). */
export type LinkListener = (from: HsObjectType, fromId: string, to: HsObjectType, toId: string, added: boolean) => void;

export class AssociationStore {
  readonly #links = new Map<string, Map<string, HsLink[]>>();
  /** Set by the sandbox's journal after seeding or restoring (src/sandbox/hubspot/journal.ts). */
  onChange: LinkListener | null = null;

  #side(from: HsObjectType, to: HsObjectType): Map<string, HsLink[]> {
    const key = `${from}>${to}`;
    let side = this.#links.get(key);
    if (!side) {
      side = new Map();
      this.#links.set(key, side);
    }
    return side;
  }

  list(from: HsObjectType, fromId: string, to: HsObjectType): readonly HsLink[] {
    return this.#links.get(`${from}>${to}`)?.get(fromId) ?? [];
  }

  /** Adds type ids (and their inverse on the other side). Unknown type ids must be checked by the caller. */
  add(from: HsObjectType, fromId: string, to: HsObjectType, toId: string, typeIds: readonly number[]): void {
    const linked = this.list(from, fromId, to).some((l) => l.toId === toId);
    for (const typeId of typeIds) {
      const inverse = associationType(from, to, typeId)?.inverse;
      addOne(this.#side(from, to), fromId, toId, typeId);
      if (inverse !== undefined) addOne(this.#side(to, from), toId, fromId, inverse);
    }
    if (!linked && this.list(from, fromId, to).some((l) => l.toId === toId))
      this.onChange?.(from, fromId, to, toId, true);
  }

  /** One direction only, as `entries()` listed it (restoring a saved state, where both sides were saved). */
  addRaw(from: HsObjectType, fromId: string, to: HsObjectType, link: HsLink): void {
    for (const typeId of link.typeIds) addOne(this.#side(from, to), fromId, link.toId, typeId);
  }

  /** Removes the given type ids, or every link between the two records when `typeIds` is omitted. */
  remove(from: HsObjectType, fromId: string, to: HsObjectType, toId: string, typeIds?: readonly number[]): void {
    const ids = typeIds ?? this.list(from, fromId, to).find((l) => l.toId === toId)?.typeIds ?? [];
    const linked = ids.length > 0;
    for (const typeId of [...ids]) {
      const inverse = associationType(from, to, typeId)?.inverse;
      removeOne(this.#side(from, to), fromId, toId, typeId);
      if (inverse !== undefined) removeOne(this.#side(to, from), toId, fromId, inverse);
    }
    if (linked && !this.list(from, fromId, to).some((l) => l.toId === toId))
      this.onChange?.(from, fromId, to, toId, false);
  }

  /** Every stored link, both directions (for serialisation and dumps). */
  entries(): { from: HsObjectType; to: HsObjectType; fromId: string; links: readonly HsLink[] }[] {
    const out: { from: HsObjectType; to: HsObjectType; fromId: string; links: readonly HsLink[] }[] = [];
    for (const [key, side] of this.#links) {
      const [from, to] = key.split('>') as [HsObjectType, HsObjectType];
      for (const [fromId, links] of side) if (links.length > 0) out.push({ from, to, fromId, links });
    }
    return out;
  }
}

function addOne(side: Map<string, HsLink[]>, fromId: string, toId: string, typeId: number): void {
  let links = side.get(fromId);
  if (!links) {
    links = [];
    side.set(fromId, links);
  }
  const link = links.find((l) => l.toId === toId);
  if (!link) links.push({ toId, typeIds: [typeId] });
  else if (!link.typeIds.includes(typeId)) link.typeIds.push(typeId);
}

function removeOne(side: Map<string, HsLink[]>, fromId: string, toId: string, typeId: number): void {
  const links = side.get(fromId);
  const link = links?.find((l) => l.toId === toId);
  if (!links || !link) return;
  link.typeIds = link.typeIds.filter((t) => t !== typeId);
  if (link.typeIds.length === 0) links.splice(links.indexOf(link), 1);
  if (links.length === 0) side.delete(fromId);
}

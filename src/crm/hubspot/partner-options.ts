// The option lists of the partner pickers (sourcing partner, influencing partners, registration
// partner): one option per partner company, value = company id, label = company name. Kept in
// sync on every pull (see pull.ts). Nothing is ever deleted: a company that stops being a partner
// keeps its option, hidden, so deals that name it stay valid and reps can no longer pick it.

export interface PartnerOption {
  value: string;
  label: string;
  hidden: boolean;
  displayOrder?: number;
  description?: string;
}

export interface PartnerName {
  id: string;
  name: string | null | undefined;
}

export interface PartnerChanges {
  /** Partners seen in this pull (created, renamed or unchanged). */
  partners: readonly PartnerName[];
  /** Companies that stopped being partners. */
  removed: readonly string[];
  /** `partners` is every partner: options of companies not in it are hidden. */
  complete: boolean;
}

/** HubSpot refuses option labels with leading or trailing spaces; empty names get a stand-in. */
function cleanLabel(name: string | null | undefined, id: string): string {
  const label = (name ?? '').replace(/\s+/g, ' ').trim();
  return label === '' ? `Company ${id}` : label;
}

/**
 * The merged option list, sorted by label for reps, or null when nothing a rep would see changes
 * (value, label, visibility, order). Two companies with one name get their id in the label.
 */
export function mergePartnerOptions(
  existing: readonly PartnerOption[],
  changes: PartnerChanges,
): PartnerOption[] | null {
  const byValue = new Map<string, { value: string; name: string; hidden: boolean; description?: string | undefined }>();
  for (const o of existing)
    byValue.set(o.value, { value: o.value, name: o.label, hidden: o.hidden, description: o.description });
  const seen = new Set<string>();
  for (const p of changes.partners) {
    seen.add(p.id);
    const prior = byValue.get(p.id);
    byValue.set(p.id, { value: p.id, name: cleanLabel(p.name, p.id), hidden: false, description: prior?.description });
  }
  for (const id of changes.removed) {
    const prior = byValue.get(id);
    if (prior && !seen.has(id)) prior.hidden = true;
  }
  if (changes.complete) for (const o of byValue.values()) if (!seen.has(o.value)) o.hidden = true;

  // Labels of earlier runs may carry an id suffix: compare on the bare name.
  const bare = (o: { value: string; name: string }): string =>
    o.name.endsWith(` (${o.value})`) ? o.name.slice(0, -` (${o.value})`.length) : o.name;
  const counts = new Map<string, number>();
  for (const o of byValue.values()) counts.set(bare(o).toLowerCase(), (counts.get(bare(o).toLowerCase()) ?? 0) + 1);
  const merged = [...byValue.values()].map((o) => {
    const name = bare(o);
    const label = (counts.get(name.toLowerCase()) ?? 0) > 1 ? `${name} (${o.value})` : name;
    const option: PartnerOption = { value: o.value, label, hidden: o.hidden };
    if (o.description !== undefined) option.description = o.description;
    return option;
  });
  merged.sort((a, b) => compareText(a.label, b.label) || compareText(a.value, b.value));
  merged.forEach((o, i) => {
    o.displayOrder = i;
  });

  const same =
    merged.length === existing.length &&
    merged.every((o, i) => {
      const e = existing[i];
      return e !== undefined && e.value === o.value && e.label === o.label && e.hidden === o.hidden;
    });
  return same ? null : merged;
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

import { describe, expect, it } from 'vitest';
import { ACTIVE_RECIPES, defaultAnchor, generateSeed, RECIPE_IDS, TIERS } from '../../src/sandbox/seed-model.ts';

const ANCHOR = '2026-06-01T00:00:00.000Z';
const DAY = 86_400_000;

describe('generateSeed', () => {
  it('is deterministic: the same options give the same data, another seed other data', () => {
    const a = generateSeed({ seed: 7, partners: 30, deals: 500, anchor: ANCHOR });
    const b = generateSeed({ seed: 7, partners: 30, deals: 500, anchor: ANCHOR });
    const c = generateSeed({ seed: 8, partners: 30, deals: 500, anchor: ANCHOR });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.deals)).not.toBe(JSON.stringify(c.deals));
  });

  it('is size-parametric', () => {
    const seed = generateSeed({ partners: 12, deals: 345, anchor: ANCHOR });
    expect(seed.partners).toHaveLength(12);
    expect(seed.deals).toHaveLength(345);
    expect(seed.params).toEqual({ seed: 1, partners: 12, deals: 345, anchor: ANCHOR });
    expect(generateSeed({ partners: 0, deals: 0, anchor: ANCHOR }).deals).toEqual([]);
  });

  it('defaults the anchor to today at 00:00 UTC', () => {
    expect(defaultAnchor(Date.parse('2026-03-04T17:45:00Z'))).toBe('2026-03-04T00:00:00.000Z');
  });

  const seed = generateSeed({ seed: 1, partners: 50, deals: 2000, anchor: ANCHOR });
  const anchorMs = Date.parse(ANCHOR);
  const partnerIds = new Set(seed.partners.map((p) => p.id));

  it('gives partners recipes of the example program (mostly active), tiers, ratings and fit inputs', () => {
    for (const p of seed.partners) {
      if (p.recipe !== null) expect(RECIPE_IDS).toContain(p.recipe);
      if (p.tier !== null) expect(TIERS).toContain(p.tier);
      expect(Object.keys(p.ratings)).toEqual(['communication', 'alignment', 'trust', 'ease', 'potential']);
      expect(Object.keys(p.fit)).toEqual(['strategic', 'value', 'reach', 'operations', 'readiness']);
    }
    const active = seed.partners.filter(
      (p) => p.recipe !== null && (ACTIVE_RECIPES as readonly string[]).includes(p.recipe),
    ).length;
    expect(active / seed.partners.length).toBeGreaterThan(0.7);
    const scores = seed.partners.flatMap((p) => [...Object.values(p.ratings), ...Object.values(p.fit)]);
    expect(scores).toContain(null);
    expect(scores.some((s) => s !== null && (s < 1 || s > 5 || !Number.isInteger(s)))).toBe(true);
  });

  it('closes deals over the two years before the anchor, across stages and currencies', () => {
    const closed = seed.deals.filter((d) => d.stage !== 'open' && d.closedAt !== null);
    for (const d of closed) {
      const at = Date.parse(d.closedAt ?? '');
      expect(at).toBeLessThanOrEqual(anchorMs);
      expect(at).toBeGreaterThan(anchorMs - 730 * DAY);
    }
    for (const d of seed.deals) expect(Date.parse(d.createdAt)).toBeLessThan(anchorMs);
    expect(new Set(seed.deals.map((d) => d.stage))).toEqual(new Set(['open', 'won', 'lost']));
    expect(new Set(seed.deals.map((d) => d.currency))).toEqual(
      new Set(['USD', 'EUR', 'GBP', 'CAD', 'JPY', 'XXX', 'BRL']),
    );
  });

  it('holds a few bad records as a CRM would: empty, garbage and negative amounts', () => {
    const amounts = seed.deals.map((d) => d.amount);
    expect(amounts).toContain('');
    expect(amounts.some((a) => a.startsWith('-'))).toBe(true);
    expect(amounts.some((a) => a !== '' && !/^-?\d+(\.\d+)?$/.test(a))).toBe(true);
  });

  it('has registrations in every status, pending ones, conflicting ones and unknown partners', () => {
    const regs = seed.deals.flatMap((d) => (d.registration ? [{ deal: d, reg: d.registration }] : []));
    expect(new Set(regs.map((r) => r.reg.status))).toEqual(new Set(['submitted', 'approved', 'rejected', 'expired']));
    expect(
      regs.some(
        (r) =>
          r.deal.stage === 'open' && r.reg.status === 'submitted' && Date.parse(r.reg.submittedAt) < anchorMs - 3 * DAY,
      ),
    ).toBe(true);
    const byCustomer = new Map<string, Set<string>>();
    for (const { deal, reg } of regs) {
      if (deal.stage !== 'open' || !deal.customerId || (reg.status !== 'submitted' && reg.status !== 'approved'))
        continue;
      const set = byCustomer.get(deal.customerId) ?? new Set<string>();
      set.add(reg.partnerId);
      byCustomer.set(deal.customerId, set);
    }
    expect([...byCustomer.values()].some((s) => s.size >= 2)).toBe(true);
    const references = seed.deals.flatMap((d) => [
      d.sourcePartnerId,
      d.registration?.partnerId,
      ...d.influencers.map((i) => i.partnerId),
    ]);
    expect(references.some((r) => r !== null && r !== undefined && !partnerIds.has(r))).toBe(true);
    expect(seed.unknownPartnerIds.every((id) => !partnerIds.has(id))).toBe(true);
  });

  it('has influencer links with times, and partner deals without a recipe', () => {
    const linked = seed.deals.filter((d) => d.influencers.length > 0);
    expect(linked.length).toBeGreaterThan(100);
    for (const d of linked)
      for (const link of d.influencers) expect(Date.parse(link.at)).toBeGreaterThanOrEqual(Date.parse(d.createdAt));
    expect(seed.deals.some((d) => d.sourcePartnerId !== null && d.recipe === null)).toBe(true);
  });
});

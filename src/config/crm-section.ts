// The provider-neutral part of the `crm:` config section (docs/product.md "Config file"): which
// provider, which records are partners, field mappings and stage overrides. Each provider adds
// its own block (`crm.hubspot`, `crm.salesforce`, …) through the registry (src/crm/provider.ts);
// after parsing, those blocks sit under `blocks`, keyed by their name.

import { z } from 'zod';

/** An http(s) URL, with an example in the error message. */
export const httpUrl = (example: string) =>
  z
    .string()
    .refine((s) => URL.canParse(s) && /^https?:/.test(s), { error: `must be an http(s) URL such as ${example}` });

export const mappingSchema = z.strictObject({
  field: z.string({ error: 'is required: the CRM field (property or API name) holding this value' }).min(1),
  values: z
    .record(z.string(), z.string(), {
      error: 'must map CRM values to canonical values, e.g. { "Partner referral": referral }',
    })
    .optional(),
});

/** The keys every provider shares; the provider blocks are added beside them. */
export const crmCommonShape = {
  partners: z
    .strictObject({
      where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    })
    .optional(),
  mappings: z.record(z.string(), mappingSchema).default({}),
  stages: z
    .strictObject({
      overrides: z
        .record(z.string(), z.enum(['open', 'won', 'lost'], { error: 'must be open, won or lost' }))
        .default({}),
    })
    .default({ overrides: {} }),
};

export type CrmMapping = z.output<typeof mappingSchema>;

/** The parsed `crm:` section: the shared keys, and each provider block by name. */
export interface CrmSection {
  provider: string;
  partners?: { where: Record<string, string | number | boolean> } | undefined;
  mappings: Record<string, CrmMapping>;
  stages: { overrides: Record<string, 'open' | 'won' | 'lost'> };
  /** Provider blocks (`hubspot`, `salesforce`, `sandbox`, …) as their own schemas parsed them. */
  blocks: Readonly<Record<string, unknown>>;
}

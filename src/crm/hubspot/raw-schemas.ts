// zod schemas of the HubSpot answers we use, as HubSpot sends them (JSON; the same shapes on the
// date-versioned and the legacy paths). Timestamps are read into Date objects, the token answer
// into camelCase. An answer that does not match is a CrmError (bad_payload) naming the field,
// never an empty list.

import { z } from 'zod';

/** An ISO-8601 timestamp (HubSpot sends `…T…Z`, with or without milliseconds). */
const date = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), {
    error: 'must be an ISO-8601 timestamp',
  })
  .transform((s) => new Date(s));

export const historyEntryRaw = z.object({
  value: z.string(),
  timestamp: date,
  sourceType: z.string().optional(),
});

/**
 * Property values by name, in an object without a prototype: names come from the config
 * (crm.mappings) and from HubSpot, and `constructor` must read as absent, not as Object's.
 */
const byName = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), value)
    .transform((r): Record<string, z.output<T>> =>
      Object.assign(Object.create(null) as Record<string, z.output<T>>, r),
    );

export const hubspotObjectRaw = z.object({
  id: z.string().min(1),
  properties: byName(z.string().nullable()),
  propertiesWithHistory: byName(z.array(historyEntryRaw)).optional(),
  createdAt: date,
  updatedAt: date,
  archived: z.boolean().optional(),
  archivedAt: date.optional(),
});
export type HubspotObjectRaw = z.infer<typeof hubspotObjectRaw>;

const paging = z.object({ next: z.object({ after: z.string() }).optional() }).optional();

export const hubspotPageRaw = z.object({ results: z.array(hubspotObjectRaw), paging });
export type HubspotPageRaw = z.infer<typeof hubspotPageRaw>;

export const batchErrorRaw = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});
export type BatchErrorRaw = z.infer<typeof batchErrorRaw>;

export const hubspotBatchRaw = z.object({
  status: z.string(),
  results: z.array(hubspotObjectRaw),
  errors: z.array(batchErrorRaw).optional(),
});
export type HubspotBatchRaw = z.infer<typeof hubspotBatchRaw>;

export const associationBatchRaw = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
      to: z.array(
        z.object({
          toObjectId: z.union([z.string(), z.number()]).transform(String),
          associationTypes: z.array(
            z.object({ typeId: z.number(), category: z.string().optional(), label: z.string().nullable().optional() }),
          ),
        }),
      ),
      paging: z.unknown().optional(),
    }),
  ),
  errors: z.array(batchErrorRaw).optional(),
});
export type AssociationBatchRaw = z.infer<typeof associationBatchRaw>;

export const optionRaw = z.object({
  value: z.string(),
  label: z.string(),
  hidden: z.boolean().optional(),
  displayOrder: z.number().optional(),
  description: z.string().optional(),
});

export const propertyRaw = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string(),
  description: z.string().optional(),
  options: z.array(optionRaw).optional(),
  hidden: z.boolean().optional(),
  hubspotDefined: z.boolean().optional(),
  calculated: z.boolean().optional(),
  archived: z.boolean().optional(),
});
export type PropertyRaw = z.infer<typeof propertyRaw>;

export const propertyListRaw = z.object({ results: z.array(propertyRaw) });
export const propertyBatchRaw = z.object({ results: z.array(propertyRaw), errors: z.array(batchErrorRaw).optional() });

export const groupListRaw = z.object({
  results: z.array(z.object({ name: z.string(), label: z.string(), archived: z.boolean().optional() })),
});
export const groupRaw = z.object({ name: z.string(), label: z.string() });

export const pipelinesRaw = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      archived: z.boolean().optional(),
      stages: z.array(
        z.object({
          id: z.string(),
          label: z.string(),
          archived: z.boolean().optional(),
          metadata: z.record(z.string(), z.string()).optional(),
        }),
      ),
    }),
  ),
});
export type PipelinesRaw = z.infer<typeof pipelinesRaw>;

/** The token endpoint's answer (snake_case on the wire). */
export const tokenRaw = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().optional(),
    expires_in: z.number().positive(),
  })
  .transform((t) => ({ accessToken: t.access_token, refreshToken: t.refresh_token, expiresIn: t.expires_in }));

/** GET /account-info/{version}/details. */
export const accountInfoRaw = z
  .object({
    portalId: z.union([z.number(), z.string()]).transform(String),
    companyCurrency: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .loose();

/** Answers we read nothing from (204 archive, PATCH echoes). */
export const anyRaw = z.unknown();

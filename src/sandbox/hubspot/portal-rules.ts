// The portal's write validation rules that HubSpot enforces on API writes from version 2026-09:
// conditionally required properties on update, required fields of the create-record form, and
// association permissions of the token's user. Set by tests through
// `POST /__sandbox/hubspot/rules`; enforced only on the 2026-09 paths (2026-03 and legacy write
// as before). A refused batch is answered with one 400 VALIDATION_ERROR whose details name each
// refused input (its index, and its object id or objectWriteTraceId) and the properties concerned;
// with `nameInputs: false` the details leave the input out, as some of HubSpot's errors do.

import { z } from 'zod';
import { HubspotError, type HubspotErrorDetail } from './errors.ts';
import { objectTypeOf, type HsObjectType } from './object-types.ts';

const objectType = z.string().transform((name, ctx): HsObjectType => {
  const type = objectTypeOf(name);
  if (!type) {
    ctx.addIssue({ code: 'custom', message: `unknown object type ${name}` });
    return z.NEVER;
  }
  return type;
});

export const portalRulesSchema = z.strictObject({
  /** `property` must hold a value after an update when `whenProperty` holds one (or equals `whenValue`). */
  requiredWhen: z
    .array(
      z.strictObject({
        object: objectType,
        property: z.string().min(1),
        whenProperty: z.string().min(1),
        whenValue: z.string().optional(),
      }),
    )
    .default([]),
  /** Properties a create of `object` must carry (only creates whose `whenProperty` equals `whenValue`, when given). */
  requiredOnCreate: z
    .array(
      z.strictObject({
        object: objectType,
        properties: z.array(z.string().min(1)),
        whenProperty: z.string().min(1).optional(),
        whenValue: z.string().optional(),
      }),
    )
    .default([]),
  /** Associations the token's user may not create (with a record, or through the associations API). */
  deniedAssociations: z.array(z.strictObject({ from: objectType, to: objectType })).default([]),
  /** Whether the error details name the refused input (default true). */
  nameInputs: z.boolean().default(true),
});
export type PortalRules = z.output<typeof portalRulesSchema>;

export const NO_RULES: PortalRules = {
  requiredWhen: [],
  requiredOnCreate: [],
  deniedAssociations: [],
  nameInputs: true,
};

const filled = (v: string | undefined | null): boolean => v !== undefined && v !== null && v !== '';

/** Properties an update leaves missing: `after` is the record's values with the update applied. */
export function missingOnUpdate(rules: PortalRules, type: HsObjectType, after: Record<string, string>): string[] {
  return rules.requiredWhen
    .filter((r) => r.object === type)
    .filter((r) => (r.whenValue === undefined ? filled(after[r.whenProperty]) : after[r.whenProperty] === r.whenValue))
    .filter((r) => !filled(after[r.property]))
    .map((r) => r.property);
}

const textOf = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

export function missingOnCreate(rules: PortalRules, type: HsObjectType, props: Record<string, unknown>): string[] {
  return rules.requiredOnCreate
    .filter((r) => r.object === type)
    .filter((r) => r.whenProperty === undefined || textOf(props[r.whenProperty]) === (r.whenValue ?? ''))
    .flatMap((r) => r.properties)
    .filter((p) => props[p] === undefined || props[p] === null || props[p] === '');
}

export function associationDenied(rules: PortalRules, from: HsObjectType, to: HsObjectType): boolean {
  return rules.deniedAssociations.some((r) => r.from === from && r.to === to);
}

export interface Refusal {
  index: number;
  /** The object id (updates) or the objectWriteTraceId (creates), when known. */
  objectId?: string;
  traceId?: string;
  code: 'CONDITIONALLY_REQUIRED_PROPERTY_MISSING' | 'REQUIRED_PROPERTY_MISSING' | 'ASSOCIATION_NOT_PERMITTED';
  message: string;
  properties?: string[];
  toObjectType?: string;
}

/** The 400 answer for a batch with refused inputs (nothing of the batch is applied). */
export function refusalError(rules: PortalRules, refusals: readonly Refusal[]): HubspotError {
  const errors: HubspotErrorDetail[] = refusals.map((r) => {
    const context: Record<string, string[]> = {};
    if (rules.nameInputs && r.objectId !== undefined) context['objectId'] = [r.objectId];
    if (rules.nameInputs && r.traceId !== undefined) context['objectWriteTraceId'] = [r.traceId];
    if (r.properties) context['propertyName'] = r.properties;
    if (r.toObjectType !== undefined) context['toObjectType'] = [r.toObjectType];
    return {
      message: r.message,
      code: r.code,
      ...(rules.nameInputs ? { in: `inputs[${r.index}]` } : {}),
      context,
    };
  });
  const n = refusals.length;
  return new HubspotError(
    400,
    'VALIDATION_ERROR',
    `${n} input${n === 1 ? '' : 's'} failed the portal's validation rules; nothing in the batch was written`,
    { errors, subCategory: 'crm.objects.PORTAL_VALIDATION_FAILED' },
  );
}

// The `registrations:` block (issue 19): partner users and the deals they register. Without it
// the partner pages are off (every /partner address answers 404) and no partner can be invited.

import { z } from 'zod';

export const registrationsSchema = z.strictObject({
  /** The e-mail channel (a key of notifications.channels) that sends sign-in links and decisions. */
  emailChannel: z.string().min(1, { error: 'is required: the id of an e-mail channel in notifications.channels' }),
  /** How long an approval protects the partner's claim, in days from the approval. */
  protectionDays: z.number().int().min(1).max(3650).default(90),
  /** Registrations one partner user may submit per hour. */
  perUserPerHour: z.number().int().min(1).max(1000).default(20),
  /** How long a sign-in link stays valid, in hours (used once). */
  signInLinkHours: z.number().min(0.1).max(168).default(24),
  /** Where a new deal for a registration starts, who owns it and what it is called. */
  newDeal: z
    .strictObject({
      /** The CRM's pipeline id (HubSpot); default: the default pipeline. */
      pipeline: z.string().min(1).optional(),
      /** The stage id (HubSpot) or StageName (Salesforce); default: the pipeline's first open stage (Salesforce: Prospecting). */
      stage: z.string().min(1).optional(),
      /** The CRM user id owning new deals; default: the CRM's default owner. */
      ownerId: z.string().min(1).optional(),
      /** The deal name; {company} and {partner} are replaced. */
      name: z
        .string()
        .min(1)
        .max(200)
        .refine((s) => s.includes('{company}'), { error: 'must contain {company}, e.g. "{company} (via {partner})"' })
        .default('{company} (via {partner})'),
    })
    .default({ name: '{company} (via {partner})' }),
});
export type RegistrationsConfig = z.output<typeof registrationsSchema>;

// The people around a partner record (issue 18): who owns it in the CRM and which of its contacts
// may be written to. Notifications resolve the `owner` and `partner-contacts` recipients through
// these; later features (partner invitations, statements by e-mail) use the same definition.

/** The CRM user who owns a partner record (HubSpot company owner, Salesforce account owner). */
export interface PartnerOwner {
  partnerId: string;
  ownerId: string;
  /** Null when the CRM has no e-mail for the owner (a deactivated user, an owner the API no longer finds). */
  email: string | null;
  name: string | null;
}

/** A contact associated with a partner record that has an e-mail address. */
export interface PartnerContact {
  partnerId: string;
  contactId: string;
  email: string;
  name: string | null;
}

/**
 * Contact property (HubSpot property name, Salesforce Contact field) → the value a partner's
 * contact must hold (`notifications.partnerContacts.where`); empty: every contact with an e-mail.
 * Values compare as text (`true` matches a checkbox that is on).
 */
export type ContactFilter = Readonly<Record<string, string | number | boolean>>;

/** Whether a contact's property values pass the filter (values as the CRM returns them, as text). */
export function matchesContactFilter(values: Readonly<Record<string, unknown>>, filter: ContactFilter): boolean {
  return Object.entries(filter).every(([key, want]) => {
    const have = values[key];
    if (typeof have !== 'string' && typeof have !== 'number' && typeof have !== 'boolean') return false;
    return String(have).toLowerCase() === String(want).toLowerCase();
  });
}

/** A display name from first and last name, or null when both are empty. */
export function personName(first: unknown, last: unknown): string | null {
  const parts = [first, last].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return parts.length === 0 ? null : parts.join(' ');
}

// The HubSpot object types the sandbox serves, by name and by type id, and their association
// type ids (HUBSPOT_DEFINED, both directions).
// https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide#association-type-id-values

export const OBJECT_TYPES = ['deals', 'companies', 'tasks', 'contacts'] as const;
export type HsObjectType = (typeof OBJECT_TYPES)[number];

export const OBJECT_TYPE_IDS: Readonly<Record<HsObjectType, string>> = {
  deals: '0-3',
  companies: '0-2',
  tasks: '0-27',
  contacts: '0-1',
};

const ALIASES: Readonly<Record<string, HsObjectType>> = {
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  tasks: 'tasks',
  task: 'tasks',
  '0-27': 'tasks',
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
};

/** Resolves "deals", "deal" or "0-3"; undefined for types the sandbox does not serve. */
export function objectTypeOf(name: string): HsObjectType | undefined {
  return ALIASES[name.toLowerCase()];
}

export interface AssociationTypeDef {
  from: HsObjectType;
  to: HsObjectType;
  typeId: number;
  label: string | null;
  /** The type id of the same link read from the other side. */
  inverse: number;
}

/** Unlabelled and primary links; a primary link always carries the unlabelled type too. */
export const ASSOCIATION_TYPES: readonly AssociationTypeDef[] = [
  { from: 'deals', to: 'companies', typeId: 341, label: null, inverse: 342 },
  { from: 'companies', to: 'deals', typeId: 342, label: null, inverse: 341 },
  { from: 'deals', to: 'companies', typeId: 5, label: 'Primary', inverse: 6 },
  { from: 'companies', to: 'deals', typeId: 6, label: 'Primary', inverse: 5 },
  { from: 'tasks', to: 'companies', typeId: 192, label: null, inverse: 191 },
  { from: 'companies', to: 'tasks', typeId: 191, label: null, inverse: 192 },
  { from: 'tasks', to: 'deals', typeId: 216, label: null, inverse: 215 },
  { from: 'deals', to: 'tasks', typeId: 215, label: null, inverse: 216 },
  { from: 'contacts', to: 'companies', typeId: 279, label: null, inverse: 280 },
  { from: 'companies', to: 'contacts', typeId: 280, label: null, inverse: 279 },
  { from: 'contacts', to: 'companies', typeId: 1, label: 'Primary', inverse: 2 },
  { from: 'companies', to: 'contacts', typeId: 2, label: 'Primary', inverse: 1 },
];

export const DEAL_TO_COMPANY = 341;
export const DEAL_TO_COMPANY_PRIMARY = 5;
export const CONTACT_TO_COMPANY = 279;
export const CONTACT_TO_COMPANY_PRIMARY = 1;

export function associationType(from: HsObjectType, to: HsObjectType, typeId: number): AssociationTypeDef | undefined {
  return ASSOCIATION_TYPES.find((t) => t.from === from && t.to === to && t.typeId === typeId);
}

export function defaultAssociationType(from: HsObjectType, to: HsObjectType): AssociationTypeDef | undefined {
  return ASSOCIATION_TYPES.find((t) => t.from === from && t.to === to && t.label === null);
}

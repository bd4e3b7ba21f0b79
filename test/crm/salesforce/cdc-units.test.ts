// Table tests for the pieces of Change Data Capture decoding: field bitmaps (positions of the
// event schema, compound parts) and the own-write-back rule.

import { describe, expect, it } from 'vitest';
import { isOwnChange, writtenFields, type ChangeHeader } from '../../../src/crm/salesforce/cdc-source.ts';
import { bitmapOf, fieldsFromBitmaps } from '../../../src/crm/salesforce/pubsub/field-bitmap.ts';
import { adapterFor } from './helpers.ts';

const FIELDS = ['ChangeEventHeader', 'Name', 'Amount', 'StageName', 'LastModifiedDate', 'BillingAddress'];

describe('field bitmaps', () => {
  it.each([
    [['0x4'], ['Amount']],
    [['0x16'], ['Name', 'Amount', 'LastModifiedDate']],
    [[bitmapOf([3, 4])], ['StageName', 'LastModifiedDate']],
    [[], []],
    [['0x0'], []],
    [
      ['Name', 'Amount'],
      ['Name', 'Amount'],
    ],
    [
      ['0x2', '5-0x3'],
      ['Name', 'BillingAddress.Street', 'BillingAddress.City'],
    ],
  ])('%j → %j', (bitmaps, names) => {
    const sub = (p: number): readonly string[] | null => (p === 5 ? ['Street', 'City', 'PostalCode'] : null);
    expect(fieldsFromBitmaps(bitmaps, FIELDS, sub)).toEqual(names);
  });

  it('refuses a malformed bitmap', () => {
    expect(() => fieldsFromBitmaps(['0xZZ'], FIELDS)).toThrow(/not a field bitmap/);
  });

  it('round-trips positions', () => {
    expect(fieldsFromBitmaps([bitmapOf([1, 2, 5])], FIELDS)).toEqual(['Name', 'Amount', 'BillingAddress']);
  });
});

describe('own write-backs', () => {
  const integration = '005000000000001AAA';
  const written = writtenFields(adapterFor('http://127.0.0.1:1').fields, 'Opportunity');
  const header = (h: Partial<ChangeHeader>): ChangeHeader => ({
    entityName: 'Opportunity',
    recordIds: ['006000000000001AAA'],
    changeType: 'UPDATE',
    commitUser: '005000000000002AAA',
    changedFields: [],
    ...h,
  });

  it('knows the fields partnersync writes on Opportunity', () => {
    expect([...written].sort()).toEqual(['Partner_Attribution__c', 'Partner_Commission__c']);
  });

  it.each([
    ['committed by the integration user', header({ commitUser: integration, changedFields: ['Amount'] }), true],
    ['the integration user by its 15-character id', header({ commitUser: integration.slice(0, 15) }), true],
    [
      'only partnersync fields (and the stamp)',
      header({ changedFields: ['Partner_Commission__c', 'LastModifiedDate'] }),
      true,
    ],
    ['a rep changed the amount', header({ changedFields: ['Amount', 'LastModifiedDate'] }), false],
    [
      'a rep changed a result field and the stage',
      header({ changedFields: ['Partner_Commission__c', 'StageName'] }),
      false,
    ],
    ['only the stamp changed', header({ changedFields: ['LastModifiedDate'] }), false],
    ['a rep created a record', header({ changeType: 'CREATE' }), false],
    ['a rep deleted a record', header({ changeType: 'DELETE' }), false],
  ])('%s → %s', (_what, h, own) => {
    expect(isOwnChange(h, integration, written)).toBe(own);
  });
});

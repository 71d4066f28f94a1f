import { describe, expect, it } from 'vitest';
import { catalogOf, type DossierType } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import { describeCondition, type Condition } from '../../../src/domain/condition/index.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);
const quotationRequest = catalog.get('quotationRequest')!;
const visit = catalog.get('visit')!;

/** A quotation request as Econobis shows it to the resident: with the resident's e-mail on it. */
const request: DossierType = {
  ...quotationRequest,
  fields: [
    ...quotationRequest.fields,
    { key: 'email', kind: 'email', label: { nl: 'E-mail', en: 'E-mail' } },
  ],
};

describe('describeCondition', () => {
  it('says a condition in Dutch and in English', () => {
    const condition: Condition = {
      type: 'all',
      conditions: [
        { type: 'compare', field: 'status', op: 'eq', value: 'offerte-aangevraagd' },
        { type: 'compare', field: 'email', op: 'isNotEmpty' },
      ],
    };
    expect(describeCondition(condition, request, 'nl')).toBe(
      'status is Offerte aangevraagd en e-mail is niet leeg',
    );
    expect(describeCondition(condition, request, 'en')).toBe(
      'status is Quotation requested and e-mail is not empty',
    );
  });

  it('names fields behind references by their labels, given the catalog', () => {
    const condition: Condition = {
      type: 'compare',
      field: 'opportunity.intake.contact.email',
      op: 'contains',
      value: '@',
    };
    expect(describeCondition(condition, quotationRequest, 'nl', catalog)).toBe(
      'e-mail van contact van intake van kans bevat "@"',
    );
    expect(describeCondition(condition, quotationRequest, 'en', catalog)).toBe(
      'e-mail of contact of intake of opportunity contains "@"',
    );
    expect(describeCondition(condition, quotationRequest, 'en')).toBe(
      'opportunity.intake.contact.email contains "@"',
    );
  });

  it('brackets nested groups and words every operator', () => {
    const condition: Condition = {
      type: 'all',
      conditions: [
        {
          type: 'compare',
          field: 'status',
          op: 'in',
          value: ['offerte-aangevraagd', 'bewoner-is-akkoord', 'uitgevoerd'],
        },
        {
          type: 'any',
          conditions: [
            { type: 'compare', field: 'quotationAmount', op: 'gte', value: 1250.5 },
            { type: 'compare', field: 'dateRequested', op: 'dateBefore', value: { days: -3 } },
          ],
        },
        {
          type: 'not',
          condition: { type: 'compare', field: 'description', op: 'startsWith', value: 'Test' },
        },
        { type: 'compare', field: 'status', op: 'changed', from: null, to: 'offerte-aangevraagd' },
      ],
    };
    expect(describeCondition(condition, quotationRequest, 'nl')).toBe(
      'status is een van Offerte aangevraagd, Bewoner is akkoord of Uitgevoerd en ' +
        '(offertebedrag is minstens € 1250,50 of datum aangevraagd is vóór vandaag − 3 dagen) en ' +
        'niet (omschrijving begint met "Test") en status is gewijzigd van leeg naar Offerte aangevraagd',
    );
    expect(describeCondition(condition, quotationRequest, 'en')).toBe(
      'status is one of Quotation requested, Resident agreed or Executed and ' +
        '(quotation amount is at least €1250.50 or date requested is before today − 3 days) and ' +
        'not (description starts with "Test") and status changed from empty to Quotation requested',
    );
  });

  it('words dates as before/after, and datetimes relative to now', () => {
    const condition: Condition = {
      type: 'any',
      conditions: [
        { type: 'compare', field: 'appointmentAt', op: 'lt', value: '2027-02-03T08:30:00.000Z' },
        { type: 'compare', field: 'appointmentAt', op: 'dateAfter', value: { days: 1 } },
        { type: 'compare', field: 'appointmentAt', op: 'dateBefore', value: { days: 0 } },
      ],
    };
    expect(describeCondition(condition, visit, 'en')).toBe(
      'appointment is before 2027-02-03T08:30:00.000Z or appointment is after now + 1 day or appointment is before now',
    );
    expect(describeCondition(condition, visit, 'nl')).toBe(
      'afspraak is vóór 2027-02-03T08:30:00.000Z of afspraak is na nu + 1 dag of afspraak is vóór nu',
    );
  });

  it('says always and never for empty groups', () => {
    expect(describeCondition({ type: 'all', conditions: [] }, visit, 'nl')).toBe('altijd');
    expect(describeCondition({ type: 'any', conditions: [] }, visit, 'en')).toBe('never');
  });
});

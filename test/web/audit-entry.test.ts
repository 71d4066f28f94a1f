/**
 * The audit log as sentences (src/web/app/audit-entry.ts): names, not ids, in nl and en; and the
 * day arithmetic of the date filter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  type AuditItem,
  changedFields,
  describeEntry,
  nextDay,
  objectKey,
} from '../../src/web/app/audit-entry.js';
import { en as enStrings, nl as nlStrings } from '../../src/web/app/dictionary.js';
import { words } from '../support/words.js';

const nl = words(nlStrings);
const en = words(enStrings);
const isKey = nl.isKey;

const ANNA = '01a22b53-5d18-77f3-8ad3-debcefa9b3a6';
const TEMPLATE = '01a22b53-3e17-75ac-bfbf-e78016f6045a';
const TOKEN = '01a22b53-aaaa-7000-8000-000000000001';

function entry(over: Partial<AuditItem>): AuditItem {
  return {
    id: 1,
    occurredAt: '2026-11-30T08:00:00.000Z',
    actor: ANNA,
    actorName: 'Demo Beheerder',
    action: 'template.activate',
    entityType: 'actionTemplate',
    entityId: TEMPLATE,
    before: { active: false },
    after: { active: true },
    ...over,
  };
}

const names = new Map([
  [objectKey('actionTemplate', TEMPLATE), 'Bellen – nieuw'],
  [objectKey('user', ANNA), 'Demo Beheerder'],
  [objectKey('api-token', TOKEN), 'Econobis-koppeling'],
  [`owner:${TOKEN}`, 'Demo Beheerder'],
]);

describe('audit entries as sentences', () => {
  it('names who and what: a workflow switched on, in Dutch and English', () => {
    expect(describeEntry(nl, entry({}), names)).toBe('Demo Beheerder zette workflow ‘Bellen – nieuw’ aan');
    expect(describeEntry(en, entry({}), names)).toBe('Demo Beheerder switched workflow ‘Bellen – nieuw’ on');
  });

  it('uses the name the entry recorded (the name at that moment) before the current one', () => {
    const created = entry({
      action: 'user.created',
      entityType: 'user',
      entityId: 'u-2',
      before: null,
      after: { name: 'Fleur Jansen', roles: ['staff'] },
    });
    expect(describeEntry(nl, created, names)).toBe('Demo Beheerder maakte gebruiker ‘Fleur Jansen’ aan');
  });

  it('names the roles of a roles change by their labels', () => {
    const changed = entry({
      action: 'user.roles_changed',
      entityType: 'user',
      entityId: ANNA,
      before: { roles: ['staff'] },
      after: { roles: ['administrator'] },
    });
    const label = (k: string) => (k === 'administrator' ? 'Beheerder' : k);
    expect(describeEntry(nl, changed, names, label)).toBe(
      'Demo Beheerder gaf gebruiker ‘Demo Beheerder’ de rollen Beheerder',
    );
  });

  it('names an API token as actor by its name and owner, in the reader’s language', () => {
    const byToken = entry({
      actor: `token:${TOKEN}`,
      actorName: 'API token “Econobis-koppeling” of Demo Beheerder',
    });
    expect(describeEntry(nl, byToken, names)).toBe(
      'API-token ‘Econobis-koppeling’ van Demo Beheerder zette workflow ‘Bellen – nieuw’ aan',
    );
  });

  it('says Werkflow did it for system actors and capitalises the sentence', () => {
    expect(describeEntry(nl, entry({ actor: 'system', actorName: null }), names)).toBe(
      'Werkflow (automatisch) zette workflow ‘Bellen – nieuw’ aan',
    );
    expect(describeEntry(nl, entry({ actor: 'demo', actorName: null }), names)).toMatch(
      /^De demo-installatie /,
    );
  });

  it('still reads for an action this screen does not know (added later)', () => {
    const unknown = entry({ action: 'calendar.updated', entityType: 'settings', entityId: 'calendar' });
    expect(describeEntry(nl, unknown, names)).toBe('Demo Beheerder: calendar.updated (calendar)');
  });

  it('has a verb and a filter label for every known action, and a word for every kind, in both languages', () => {
    for (const action of AUDIT_ACTIONS) {
      expect(isKey(`audit.do.${action}`), action).toBe(true);
      expect(isKey(`audit.action.${action}`), action).toBe(true);
    }
    for (const kind of AUDIT_ENTITY_TYPES) expect(isKey(`audit.kind.${kind}`), kind).toBe(true);
    for (const lang of [nl, en]) {
      expect(Object.keys(enStrings).sort()).toEqual(Object.keys(nlStrings).sort());
      for (const action of AUDIT_ACTIONS) {
        const sentence = describeEntry(lang, entry({ action }), names);
        expect(sentence, action).not.toMatch(/\{\w+\}/);
        expect(sentence, action).not.toContain(TEMPLATE);
      }
    }
  });

  it('lists the fields that changed, before and after', () => {
    expect(changedFields(entry({}))).toEqual([{ field: 'active', before: 'false', after: 'true' }]);
    expect(changedFields(entry({ before: null, after: { name: 'X' } }))).toEqual([
      { field: 'name', before: '—', after: 'X' },
    ]);
  });
});

describe('nextDay (the exclusive end of the date filter)', () => {
  it('is the calendar day after, across month and year ends and leap days', () => {
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2027-02-28')).toBe('2027-03-01');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-30'), noInvalidDate: true }),
        (d) => {
          const day = d.toISOString().slice(0, 10);
          const next = nextDay(day);
          expect(Date.parse(`${next}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)).toBe(86_400_000);
        },
      ),
    );
  });
});

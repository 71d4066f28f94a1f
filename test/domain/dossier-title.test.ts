/** Titles by a dossier type's title rule: references followed, dates short, empty parts left out. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dossier } from '../../src/domain/dossier.js';
import { titleOf, titleReferences } from '../../src/domain/dossier-title.js';
import { type DossierType, catalogOf, checkDossierTypes } from '../../src/domain/dossier-type.js';
import { PRESETS } from '../../src/domain/presets/index.js';

const TRAINING_TYPES = PRESETS.find((p) => p.key === 'training-institute')!.dossierTypes;
const catalog = catalogOf(TRAINING_TYPES);

let n = 0;
function dossier(type: string, data: Record<string, unknown>, status: string | null = null): Dossier {
  n++;
  return {
    id: `0190f4d6-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type,
    externalId: null,
    status,
    data,
    version: 1,
    createdAt: 0,
    updatedAt: 0,
  };
}

describe('dossier titles', () => {
  const jan = dossier('person', { name: 'Jan de Vries' });
  const vca = dossier('training', { name: 'VCA Basis', startDate: '2027-01-12', status: 'definitief' });
  const byId = new Map([jan, vca].map((d) => [d.id, d]));
  const lookup = (id: string) => byId.get(id);

  it('a participant reads as its person and training, not as its status code', () => {
    const p = dossier('participant', { person: jan.id, training: vca.id, status: 'aangemeld' }, 'aangemeld');
    expect(titleOf(p, catalog, lookup, 'nl')).toBe('Jan de Vries – VCA Basis 12 jan 2027');
    expect(titleOf(p, catalog, lookup, 'en')).toBe('Jan de Vries – VCA Basis 12 Jan 2027');
    expect(titleReferences([p], catalog).sort()).toEqual([jan.id, vca.id].sort());
  });

  it('leaves out a part without a value together with the text before it', () => {
    const noPerson = dossier('participant', { training: vca.id, status: 'aangemeld' });
    expect(titleOf(noPerson, catalog, lookup, 'nl')).toBe('VCA Basis 12 jan 2027');
    const noTraining = dossier('participant', { person: jan.id, training: 'gone', status: 'aangemeld' });
    expect(titleOf(noTraining, catalog, lookup, 'nl')).toBe('Jan de Vries');
  });

  it('falls back to the type’s label and the end of the id, never to nothing', () => {
    const empty = dossier('participant', { status: 'aangemeld' });
    expect(titleOf(empty, catalog, lookup, 'nl')).toBe(`Opleidingsdeelnemer ${empty.id.slice(-6)}`);
  });

  it('refuses a title template naming a field the type does not have', () => {
    const broken: DossierType[] = TRAINING_TYPES.map((t) =>
      t.key === 'participant' ? { ...t, titleTemplate: '{person} – {course}' } : t,
    );
    expect(checkDossierTypes(broken)).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/\.titleTemplate$/),
        message: expect.stringContaining('{course}'),
      }),
    ]);
    expect(checkDossierTypes(TRAINING_TYPES)).toEqual([]);
  });

  it('no preset type is titled by its status alone', () => {
    for (const preset of PRESETS)
      for (const type of preset.dossierTypes)
        expect(type.titleTemplate ?? `{${type.titleField}}`, type.key).not.toBe('{status}');
  });

  it('every preset type gives a title that is never empty, never a bare status code, never a brace', () => {
    for (const preset of PRESETS) {
      const types = catalogOf(preset.dossierTypes);
      const texts = fc.option(fc.string({ maxLength: 12 }), { nil: undefined });
      fc.assert(
        fc.property(
          fc.constantFrom(...preset.dossierTypes),
          fc.dictionary(fc.string({ maxLength: 8 }), texts),
          (type, extra) => {
            const data: Record<string, unknown> = {};
            for (const f of type.fields) {
              const value = extra[f.key];
              if (value === undefined) continue;
              data[f.key] = f.kind === 'status' ? (type.statuses[0]?.code ?? value) : value;
            }
            const d = dossier(type.key, data, typeof data.status === 'string' ? data.status : null);
            for (const lang of ['nl', 'en'] as const) {
              const title = titleOf(d, types, () => undefined, lang);
              expect(title.trim()).not.toBe('');
              expect(title).not.toMatch(/[{}]/);
              const rule = type.titleTemplate ?? `{${type.titleField}}`;
              if (!rule.includes('{status}') && typeof data.status === 'string')
                expect(title).not.toBe(data.status);
            }
          },
        ),
        { numRuns: 200 },
      );
    }
  });
});

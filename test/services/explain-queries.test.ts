/**
 * Explain reads in a fixed number of queries, whatever the number of templates of the dossier's
 * type (issue 13: "a dossier with 20 templates stays fast"): no query per template. Counted with
 * a Kysely plugin on the store's connection, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { BACKENDS } from '../support/backends.js';
import { sharedWerkflow } from '../support/shared-werkflow.js';
import { countQueries } from '../support/query-count.js';

const EVENTS = [
  { type: 'created' },
  { type: 'fieldChanged', field: 'note' },
  { type: 'fieldChanged', field: 'finished', to: true },
  { type: 'dateReached', field: 'plannedFinishDate' },
];

describe.each(BACKENDS)('explain queries on $name', (backend) => {
  const shared = sharedWerkflow(backend, { start: '2026-11-23T09:00:00+01:00' });
  const clock = shared.clock;

  let mailId: string | undefined;
  /** Every other odd template sends an e-mail to the task's contact: its recipients are checked. */
  async function effectOf(i: number) {
    if (i % 4 !== 1) return { type: 'none' as const };
    mailId ??= (
      await shared.werkflow.email.templates.createTemplate({
        name: 'Taakmail',
        rootType: 'task',
        subject: 'Taak {{ task.description }}',
        htmlBody: '<p>Taak</p>',
      })
    ).id;
    return {
      type: 'sendEmail' as const,
      templateId: mailId,
      to: [{ type: 'field' as const, path: 'contact.email' }],
    };
  }

  async function addTemplates(from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      const event = EVENTS[i % EVENTS.length]!;
      await shared.werkflow.templates.create(
        {
          name: `Sjabloon ${i}`,
          dossierType: 'task',
          executionMode: i % 4 === 1 ? 'semiAutomatic' : 'manual',
          effect: await effectOf(i),
          event,
          categories: i % 3 === 0 ? ['bellen'] : [],
          conditions:
            i % 2 === 0
              ? { type: 'all', conditions: [{ type: 'compare', field: 'contact.email', op: 'isNotEmpty' }] }
              : { type: 'all', conditions: [] },
          ...(event.type === 'dateReached'
            ? {
                timing: {
                  anchor: { type: 'field', field: 'plannedFinishDate' },
                  offset: -2,
                  unit: 'workingDays',
                },
              }
            : {}),
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
    }
  }

  /** The queries one explanation of the dossier makes. */
  async function queriesOf(dossierId: string, mails: number): Promise<number> {
    const { queries } = await countQueries(shared.werkflow.store, async () => {
      const r = await shared.werkflow.explain.explain('task', dossierId, { lang: 'nl' });
      expect(r.templates.length).toBeGreaterThan(0);
      // Each e-mail template's recipient (the contact has no address) was checked.
      const unaddressed = r.templates.filter((t) =>
        t.reasons.some((x) => x.code === 'reason.recipientWithoutAddress'),
      );
      expect(unaddressed).toHaveLength(mails);
    });
    return queries;
  }

  it('the same number of queries for 4 templates as for 20 (1 and 5 of them e-mails), events matched or not', async () => {
    await addTemplates(0, 4);
    const contact = await shared.werkflow.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Zonder' } },
      null,
    );
    const task = async () => {
      clock.advance(60_000);
      let d = await shared.werkflow.dossiers.create(
        'task',
        {
          data: {
            taskType: 'e-mail',
            description: 'Taak',
            contact: contact.id,
            plannedFinishDate: '2027-01-12',
          },
        },
        null,
      );
      for (const data of [{ note: 'een' }, { finished: true }]) {
        clock.advance(60_000);
        d = await shared.werkflow.dossiers.patch('task', d.id, data, d.version, null);
      }
      return d.id;
    };
    const few = await queriesOf(await task(), 1);
    await addTemplates(4, 20);
    // A new task, so that the events of the new templates happened (after their publication).
    const many = await queriesOf(await task(), 5);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(10);
  });
});

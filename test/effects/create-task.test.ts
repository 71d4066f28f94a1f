/**
 * The createTask effect finds its responsible person as an action's assignee is found
 * (`resolveAssignee`): through reference paths, and by the kind of the field (user or team).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { AssigneeRule } from '../../src/domain/template/action-template.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('createTask on $name', (backend) => {
  let w: Werkflow | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  /** An opportunity on an intake whose responsible is Ingrid, the opportunity's Otto; the task's responsible by the rule. */
  async function taskFor(ruleOf: (people: { ingrid: string; otto: string; team: string }) => AssigneeRule) {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    w = await openTestWerkflow(backend, { clock });
    const user = async (name: string) =>
      (
        await w!.auth.users.createUser(
          { name, email: `${name.toLowerCase()}@coop.example.nl`, roles: ['staff'] },
          null,
        )
      ).id;
    const ingrid = await user('Ingrid');
    const otto = await user('Otto');
    const team = (await w.auth.users.createTeam({ name: 'Backoffice', memberIds: [otto] }, null)).id;
    const rule = ruleOf({ ingrid, otto, team });
    await w.templates.create(
      {
        name: 'Plan een bezoek',
        dossierType: 'opportunity',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        effect: {
          type: 'createTask',
          taskType: 'bellen',
          description: 'Plan een bezoek',
          responsible: rule,
          plannedInDays: 2,
        },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const contact = await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, null);
    const category = await w.dossiers.create('measureCategory', { data: { name: 'Warmtepomp' } }, null);
    const intake = await w.dossiers.create(
      'intake',
      { data: { contact: contact.id, status: 'open', responsibleUser: ingrid } },
      null,
    );
    await w.dossiers.create(
      'opportunity',
      {
        data: {
          name: 'Warmtepomp Jan',
          intake: intake.id,
          measureCategory: category.id,
          status: 'actief',
          responsibleUser: otto,
        },
      },
      null,
    );
    clock.advance(HOUR);
    await w.scheduler.tick();
    const tasks = await w.dossiers.dossiers.list({ type: 'task', limit: 10 });
    expect(tasks).toHaveLength(1);
    return { task: tasks[0]!, ingrid, otto, team };
  }

  it('follows a reference path to the responsible user (intake.responsibleUser)', async () => {
    const { task, ingrid } = await taskFor(() => ({ type: 'field', path: 'intake.responsibleUser' }));
    expect(task.data.responsibleUser).toBe(ingrid);
    expect(task.data.responsibleTeam ?? null).toBeNull();
  });

  it('reads a user field of the dossier itself', async () => {
    const { task, otto } = await taskFor(() => ({ type: 'field', path: 'responsibleUser' }));
    expect(task.data.responsibleUser).toBe(otto);
  });

  it('a team goes into the responsible team, not the responsible user', async () => {
    const { task, team } = await taskFor((p) => ({ type: 'team', teamId: p.team }));
    expect(task.data.responsibleTeam).toBe(team);
    expect(task.data.responsibleUser ?? null).toBeNull();
  });
});

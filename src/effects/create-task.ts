import { reason } from '../domain/action/reasons.js';
import { WerkflowError, coerceError } from '../domain/errors.js';
import type { Effect } from '../domain/template/action-template.js';
import { addLocalDays } from '../domain/timing/index.js';
import type { EffectHandler } from './effect.js';

function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

/**
 * Creates a task (a dossier of type "task") linked to this dossier, with its responsible user or
 * team found the way an action's assignee is (`resolveAssignee`: a user, a team, or the user or
 * team field a reference path ends in, such as `intake.responsibleUser`).
 */
export const createTaskEffect: EffectHandler<Extract<Effect, { readonly type: 'createTask' }>> = {
  safe: false,
  async apply(effect, { db, dossier, actor, now, catalog, calendar, dossiers, graph, resolveAssignee }) {
    const taskType = catalog.get('task');
    if (!taskType)
      throw new WerkflowError('configuration', 'There is no dossier type "task" to create the task in.', {
        reason: reason('reason.noTaskType'),
      });
    const { timeZone } = await calendar();
    const data: Record<string, unknown> = {
      taskType: effect.taskType,
      description: effect.description,
      plannedFinishDate: addLocalDays(localDate(now, timeZone), effect.plannedInDays),
      finished: false,
    };
    // Link the task to this dossier where the task type has a reference to its type.
    for (const f of taskType.fields) {
      if (f.kind === 'reference' && f.refType === dossier.type) data[f.key] = dossier.id;
      if (f.kind === 'reference' && f.refType === 'contact' && typeof dossier.data.contact === 'string')
        data[f.key] ??= dossier.data.contact;
    }
    const r = effect.responsible;
    if (r.type === 'field') await graph.preload([dossier], [r.path.split('.').slice(0, -1)]);
    const responsible = resolveAssignee(r, dossier);
    if (responsible.userId !== null) data.responsibleUser = responsible.userId;
    if (responsible.teamId !== null) data.responsibleTeam = responsible.teamId;
    const task = await dossiers.create('task', { data }, actor, db).catch((error: unknown) => {
      // The task's own data was refused (a required field the task type added): say so, with the
      // refusal's words (a validation message of the dossier type) kept as they are.
      const e = coerceError(error);
      if (e.reason || e.code === 'internal') throw e;
      throw new WerkflowError(e.code, `The task could not be created: ${e.message}`, {
        path: e.path,
        details: e.details,
        cause: e,
        reason: reason('reason.taskNotCreated', { detail: e.message }),
      });
    });
    return { stored: { createdDossier: { type: 'task', id: task.id } } };
  },
};

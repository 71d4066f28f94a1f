/**
 * "Why did or didn't this template act on this dossier": GET /api/dossiers/{type}/{id}/explain,
 * one test per reason (issue 13), on SQLite and PostgreSQL. Each test sets up its own template
 * and dossier and asks about that template only (`?template=`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import type { DossierExplanation, TemplateExplanation } from '../../src/services/explain.service.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('explain on $name', (backend) => {
  let werkflow: Werkflow;
  let api: ApiClient;
  const clock = new TestClock('2026-11-23T09:00:00+01:00');

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend, { clock });
    api = await apiAs(werkflow, 'workflowManager');
  });
  afterAll(async () => {
    await api?.app.close();
    await werkflow?.close();
  });

  async function template(def: Record<string, unknown>, publish = true): Promise<string> {
    const res = await api.request('POST', `/api/templates?publish=${publish}`, {
      executionMode: 'manual',
      effect: { type: 'none' },
      ...def,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function dossier(type: string, data: Record<string, unknown>): Promise<string> {
    const res = await api.request('POST', `/api/dossiers/${type}`, { data });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function patch(type: string, id: string, data: Record<string, unknown>): Promise<void> {
    const current = await api.request('GET', `/api/dossiers/${type}/${id}`);
    const res = await api.request(
      'PATCH',
      `/api/dossiers/${type}/${id}`,
      { data },
      {
        'If-Match': current.headers.etag as string,
      },
    );
    expect(res.statusCode, res.body).toBe(200);
  }

  async function explain(
    type: string,
    id: string,
    templateId: string,
    lang = 'nl-NL,nl;q=0.9,en;q=0.5',
  ): Promise<TemplateExplanation> {
    const res = await api.request(
      'GET',
      `/api/dossiers/${type}/${id}/explain?template=${templateId}`,
      undefined,
      {
        'Accept-Language': lang,
      },
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<DossierExplanation>();
    expect(body.templates).toHaveLength(1);
    return body.templates[0]!;
  }

  const codes = (items: readonly { code: string }[]) => items.map((i) => i.code);

  it('the event happened; the due time step by step with the weekend and a holiday named; due next', async () => {
    const id = await template({
      name: 'Twee werkdagen voor de geplande datum',
      dossierType: 'task',
      event: { type: 'dateReached', field: 'plannedFinishDate' },
      timing: {
        anchor: { type: 'field', field: 'plannedFinishDate' },
        offset: -2,
        unit: 'workingDays',
        atTime: '09:00',
      },
    });
    const task = await dossier('task', {
      taskType: 'bellen',
      description: 'Terugbellen',
      plannedFinishDate: '2027-01-12',
    });
    const nl = await explain('task', task, id);
    expect(nl.event.code).toBe('event.happened');
    expect(nl.event.at).toBe('2026-11-23T08:00:00.000Z');
    expect(nl.reasons).toEqual([]);
    expect(nl.timing.dueAt).toBe('2027-01-08T08:00:00.000Z');
    expect(codes(nl.timing.steps)).toEqual([
      'timing.anchorField',
      'timing.offset',
      'timing.skippedWeekend',
      'timing.atTime',
      'timing.due',
    ]);
    expect(nl.timing.steps[2]!.params).toEqual({ dates: ['2027-01-09', '2027-01-10'] });
    expect(nl.timing.steps[2]!.text).toBe('za 9 jan en zo 10 jan zijn weekend en tellen niet mee.');
    expect(nl.timing.steps[4]!.text).toContain('vr 8 jan 2027 09:00');
    expect(nl.next.code).toBe('next.due');
    expect(nl.next.params.at).toBe('2027-01-08T08:00:00.000Z');
    expect(nl.actions).toHaveLength(1);

    // Moved to just after New Year: Nieuwjaarsdag is named, and English follows Accept-Language.
    await patch('task', task, { plannedFinishDate: '2027-01-04' });
    const en = await explain('task', task, id, 'en-GB,en;q=0.9');
    expect(en.timing.dueAt).toBe('2026-12-30T08:00:00.000Z');
    const holiday = en.timing.steps.find((s) => s.code === 'timing.skippedHoliday')!;
    expect(holiday.params).toMatchObject({ date: '2027-01-01', nameNl: 'Nieuwjaarsdag' });
    expect(holiday.text).toBe("Fri 1 Jan is New Year's Day and does not count.");
    expect(en.next.text).toMatch(/^Action .* becomes due on Wed 30 Dec 2026 09:00\.$/);
  });

  it('the event has not happened yet: it is awaited, and an action follows once it does', async () => {
    const id = await template({
      name: 'Afgehandelde taak nabellen',
      dossierType: 'task',
      event: { type: 'fieldChanged', field: 'finished', to: true },
    });
    const task = await dossier('task', { taskType: 'bellen', description: 'Nog open' });
    const r = await explain('task', task, id, 'en');
    expect(r.event.code).toBe('event.awaited');
    expect(r.event.text).toBe(
      'The template waits for its event: Finished changed to yes; it has not happened for this dossier yet.',
    );
    expect(r.actions).toEqual([]);
    expect(r.next.code).toBe('next.onEvent');
  });

  it('not active, and not published', async () => {
    const off = await template({ name: 'Uitgezet', dossierType: 'contact', event: { type: 'created' } });
    expect((await api.request('POST', `/api/templates/${off}/active`, { active: false })).statusCode).toBe(
      200,
    );
    const draft = await template(
      { name: 'Concept', dossierType: 'contact', event: { type: 'created' } },
      false,
    );
    const contact = await dossier('contact', { kind: 'persoon', name: 'Ada' });
    const inactive = await explain('contact', contact, off);
    expect(codes(inactive.reasons)).toEqual(['reason.inactive']);
    expect(inactive.reasons[0]!.text).toBe('De template staat uit (niet actief): hij maakt geen acties.');
    expect(inactive.next.code).toBe('next.nothing');
    expect(codes((await explain('contact', contact, draft)).reasons)).toEqual(['reason.notPublished']);
  });

  it('the event came before the template was published', async () => {
    const contact = await dossier('contact', { kind: 'persoon', name: 'Eerder' });
    clock.advance(60_000);
    const id = await template({
      name: 'Later gepubliceerd',
      dossierType: 'contact',
      event: { type: 'created' },
    });
    const r = await explain('contact', contact, id, 'en');
    expect(r.event.code).toBe('event.happened');
    expect(codes(r.reasons)).toEqual(['reason.notLiveAtEvent']);
    expect(r.reasons[0]!.text).toMatch(
      /^The event \(.*\) came before the template was first published \(.*\)\.$/,
    );
  });

  it('wrong category: the dossier is not in a category the template is linked to', async () => {
    const id = await template({
      name: 'Alleen voor belafspraken',
      dossierType: 'task',
      event: { type: 'created' },
      categories: ['bellen'],
    });
    const task = await dossier('task', { taskType: 'e-mail', description: 'Mailen' });
    const r = await explain('task', task, id);
    expect(r.event.code).toBe('event.happened');
    expect(r.actions).toEqual([]);
    expect(r.reasons.map((x) => [x.code, x.params])).toEqual([
      ['reason.wrongCategory', { category: 'e-mail', linked: ['bellen'] }],
    ]);
  });

  it('outside the linked categories: the action was removed when the dossier left them', async () => {
    const id = await template({
      name: 'Offerte opvolgen',
      dossierType: 'task',
      event: { type: 'created' },
      categories: ['offerte-maken'],
    });
    const task = await dossier('task', { taskType: 'offerte-maken', description: 'Offerte' });
    await patch('task', task, { taskType: 'overige' });
    await werkflow.templates.applyCategories(id, SYSTEM_PRINCIPAL, { dryRun: false });
    const r = await explain('task', task, id);
    expect(r.actions.map((a) => a.status)).toEqual(['cancelled']);
    expect(codes(r.reasons)).toContain('reason.outsideLinkedCategories');
    expect(r.next.code).toBe('next.nothing');
  });

  it('repeat "once" already used, naming the earlier action', async () => {
    const id = await template({
      name: 'Eenmalig bij een nieuwe opmerking',
      dossierType: 'task',
      event: { type: 'fieldChanged', field: 'note' },
      repeat: 'once',
    });
    const task = await dossier('task', { taskType: 'bellen', description: 'Opmerkingen' });
    await patch('task', task, { note: 'eerste' });
    const first = (await explain('task', task, id)).actions;
    expect(first).toHaveLength(1);
    clock.advance(HOUR);
    await patch('task', task, { note: 'tweede' });
    const r = await explain('task', task, id);
    expect(r.actions).toHaveLength(1);
    expect(r.reasons.map((x) => [x.code, x.params.actionId])).toEqual([
      ['reason.repeatOnceUsed', first[0]!.id],
    ]);
  });

  it('conditions failed: which, with the value, at the event and now', async () => {
    const id = await template({
      name: 'Welkomstmail voor contacten met e-mail',
      dossierType: 'contact',
      event: { type: 'created' },
      conditions: {
        type: 'all',
        conditions: [
          { type: 'compare', field: 'email', op: 'isNotEmpty' },
          { type: 'compare', field: 'kind', op: 'eq', value: 'persoon' },
        ],
      },
    });
    const contact = await dossier('contact', { kind: 'persoon', name: 'Zonder Mail' });
    const r = await explain('contact', contact, id);
    expect(r.actions).toEqual([]);
    expect(r.conditions.items.map((c) => [c.field, c.value, c.heldAtEvent, c.holdsNow])).toEqual([
      ['email', null, false, false],
      ['kind', 'persoon', true, true],
    ]);
    expect(r.reasons.map((x) => [x.code, x.params])).toEqual([
      ['reason.conditionsFailed', { failed: ['e-mail is niet leeg'] }],
    ]);
    // The dossier is created once: that event will not come again, so nothing more happens.
    expect(r.next.code).toBe('next.nothing');
  });

  it('a waiting action ("create always") says which conditions it waits for', async () => {
    const id = await template({
      name: 'Wacht op een e-mailadres',
      dossierType: 'contact',
      event: { type: 'created' },
      whenConditionsFail: 'wait',
      conditions: { type: 'all', conditions: [{ type: 'compare', field: 'email', op: 'isNotEmpty' }] },
    });
    const contact = await dossier('contact', { kind: 'persoon', name: 'Wachtend' });
    const r = await explain('contact', contact, id);
    expect(r.actions.map((a) => a.status)).toEqual(['waiting']);
    expect(r.reasons).toEqual([]);
    expect(r.next).toMatchObject({ code: 'next.waiting', params: { failing: ['e-mail is niet leeg'] } });
    expect(r.next.text).toMatch(
      /wacht tot het dossier aan de voorwaarden voldoet; nu nog niet: e-mail is niet leeg\.$/,
    );
  });

  it('deleted dossier: explained from its last event', async () => {
    const id = await template({
      name: 'Nieuw contact bellen',
      dossierType: 'contact',
      event: { type: 'created' },
    });
    const contact = await dossier('contact', { kind: 'persoon', name: 'Weg' });
    const current = await api.request('GET', `/api/dossiers/contact/${contact}`);
    const del = await api.request('DELETE', `/api/dossiers/contact/${contact}`, undefined, {
      'If-Match': current.headers.etag as string,
    });
    expect(del.statusCode, del.body).toBe(204);
    const res = await api.request('GET', `/api/dossiers/contact/${contact}/explain?template=${id}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<DossierExplanation>();
    expect(body.dossier.deleted).toBe(true);
    expect(codes(body.templates[0]!.reasons)).toEqual(['reason.dossierDeleted']);
    expect(body.templates[0]!.actions.map((a) => a.status)).toEqual(['cancelled']);
    expect(body.templates[0]!.next.code).toBe('next.nothing');
  });

  it('skipped because it was found too late (skipIfLateHours)', async () => {
    const id = await template({
      name: 'Binnen twee uur een taak',
      dossierType: 'contact',
      event: { type: 'created' },
      executionMode: 'automatic',
      timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
      skipIfLateHours: 2,
      effect: {
        type: 'createTask',
        taskType: 'bellen',
        description: 'Bel',
        responsible: { type: 'none' },
        plannedInDays: 2,
      },
    });
    const contact = await dossier('contact', { kind: 'persoon', name: 'Laat' });
    clock.advance(4 * HOUR);
    await werkflow.scheduler.tick();
    const r = await explain('contact', contact, id, 'en');
    expect(r.actions.map((a) => a.status)).toEqual(['cancelled']);
    expect(r.reasons.map((x) => [x.code, x.params.hours])).toEqual([['reason.skippedTooLate', 2]]);
    expect(r.reasons[0]!.text).toContain('more than 2 hours after its due time');
  });

  it('names referenced dossiers by their title, not their id, in the sentences and the process map', async () => {
    const first = await dossier('contact', { kind: 'persoon', name: 'Eerste Klant' });
    const second = await dossier('contact', { kind: 'persoon', name: 'Tweede Klant' });
    const id = await template({
      name: 'Klant gewisseld',
      process: 'Klantwissel',
      dossierType: 'task',
      event: { type: 'fieldChanged', field: 'contact', to: second },
      conditions: {
        type: 'all',
        conditions: [{ type: 'compare', field: 'contact', op: 'ne', value: first }],
      },
    });
    const task = await dossier('task', { taskType: 'bellen', description: 'Bel', contact: first });
    await patch('task', task, { contact: second });
    for (const [lang, changed] of [
      ['nl', 'gewijzigd naar "Tweede Klant"'],
      ['en', 'changed to "Tweede Klant"'],
    ] as const) {
      const r = await explain('task', task, id, lang);
      expect(r.event.code).toBe('event.happened');
      expect(r.event.text).toContain(changed);
      expect(r.conditions.items[0]!.description).toContain('"Eerste Klant"');
      const all = JSON.stringify([r.event.text, r.conditions.items.map((c) => c.description), r.next.text]);
      expect(all).not.toContain(first);
      expect(all).not.toContain(second);
    }
    const res = await api.request('GET', '/api/processes/Klantwissel/map', undefined, {
      'Accept-Language': 'nl',
    });
    expect(res.statusCode, res.body).toBe(200);
    const labels = res
      .json<{ nodes: { kind: string; label: string }[] }>()
      .nodes.map((n) => `${n.kind}: ${n.label}`);
    expect(labels).toContain('event: Contact is gewijzigd naar "Tweede Klant"');
    expect(labels.find((l) => l.startsWith('conditions:'))).toContain('"Eerste Klant"');
    expect(labels.join(' ')).not.toContain(first);
    expect(labels.join(' ')).not.toContain(second);
  });

  it('recipient without an address', async () => {
    const mail = await werkflow.email.templates.createTemplate({
      name: 'Welkom',
      rootType: 'contact',
      subject: 'Welkom {{ contact.name }}',
      htmlBody: '<p>Welkom</p>',
    });
    const id = await template({
      name: 'Welkomstmail',
      dossierType: 'contact',
      event: { type: 'created' },
      executionMode: 'semiAutomatic',
      effect: { type: 'sendEmail', templateId: mail.id, to: [{ type: 'field', path: 'email' }] },
    });
    const contact = await dossier('contact', { kind: 'persoon', name: 'Geen Adres' });
    const r = await explain('contact', contact, id, 'en');
    expect(r.actions.map((a) => a.status)).toEqual(['due']);
    const reason = r.reasons.find((x) => x.code === 'reason.recipientWithoutAddress');
    // The recipient rules' problems are coded reasons (reason.recipient.*), not English sentences.
    expect(reason?.params.problems).toEqual([
      {
        code: 'reason.recipient.fieldNoAddress',
        params: expect.objectContaining({ field: expect.anything() }),
      },
    ]);
    expect(reason?.text).toContain('has no e-mail address in "email"');
    // The explain panel in Dutch reads the rule's problem in Dutch too.
    const dutch = (await explain('contact', contact, id)).reasons.find(
      (x) => x.code === 'reason.recipientWithoutAddress',
    )!.text;
    expect(dutch).toMatch(/^De e-mail kan niet verstuurd worden/);
    expect(dutch).not.toMatch(/\b(has|address|the|Fill|change)\b/);
    const withAddress = await dossier('contact', {
      kind: 'persoon',
      name: 'Wel Adres',
      email: 'wel@example.nl',
    });
    expect((await explain('contact', withAddress, id)).reasons).toEqual([]);
  });

  it('every template of the type without ?template=, and 404/422 for what does not exist or fit', async () => {
    const contact = await dossier('contact', { kind: 'persoon', name: 'Alle templates' });
    const res = await api.request('GET', `/api/dossiers/contact/${contact}/explain`);
    expect(res.statusCode, res.body).toBe(200);
    const all = res.json<DossierExplanation>().templates;
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.every((t) => t.event.code !== undefined && t.next.text.length > 0)).toBe(true);
    expectError(await api.request('GET', `/api/dossiers/contact/nope/explain`), 404, 'not_found');
    expectError(
      await api.request('GET', `/api/dossiers/contact/${contact}/explain?template=nope`),
      404,
      'not_found',
    );
    const taskTemplate =
      all.length > 0 ? (await werkflow.templates.list({ dossierType: 'task' }))[0]!.id : '';
    expectError(
      await api.request('GET', `/api/dossiers/contact/${contact}/explain?template=${taskTemplate}`),
      422,
      'validation_failed',
    );
  });

  it('the OpenAPI document describes the answers of explain, the process map and the impact, not as unknown', async () => {
    const doc = (await api.request('GET', '/api/openapi.json')).json<{
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> }
        >
      >;
    }>();
    const ok = (path: string, method: string) =>
      doc.paths[path]![method]!.responses['200']!.content['application/json']!.schema as {
        properties?: Record<
          string,
          { properties?: Record<string, unknown>; items?: { properties?: Record<string, unknown> } }
        >;
      };
    const explainSchema = ok('/api/dossiers/{type}/{id}/explain', 'get');
    expect(Object.keys(explainSchema.properties!)).toEqual(['dossier', 'language', 'templates']);
    expect(Object.keys(explainSchema.properties!.templates!.items!.properties!)).toContain('reasons');
    expect(Object.keys(ok('/api/processes/{process}/map', 'get').properties!)).toEqual([
      'process',
      'from',
      'to',
      'nodes',
      'edges',
      'mermaid',
    ]);
    expect(Object.keys(ok('/api/templates/{id}/publish', 'post').properties!.impact!.properties!)).toContain(
      'retimed',
    );
  });
});

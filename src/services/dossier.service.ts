import type { Clock } from '../domain/clock.js';
import type { Dossier, DossierData, ReferenceToCheck } from '../domain/dossier.js';
import { diffData, isStorableText, requireValidWrite, validateDossierWrite } from '../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../domain/dossier-type.js';
import { type TitleLanguage, titleFieldKeys, titleOf, titleReferences } from '../domain/dossier-title.js';
import { type ErrorDetail, WerkflowError, throwIfProblems } from '../domain/errors.js';
import { newId } from '../domain/id.js';
import type { Db, Store } from '../store/database.js';
import type { DossierFilter, DossierText, SortedDossier } from '../store/dossier.repository.js';
import { DossierRepository, rememberTexts, textsReadWith } from '../store/dossier.repository.js';
import type { DossierEvent, NewDossierEvent } from '../store/event.repository.js';
import { EventRepository, PLANNED_EVENT_ID } from '../store/event.repository.js';
import { ActionRepository, type DeferredStamp } from '../store/action.repository.js';
import { type ActionStep, DossierTimelineRepository } from '../store/dossier-timeline.repository.js';
import { UserRepository } from '../store/user.repository.js';
import { SettingsRepository } from '../store/settings.repository.js';
import { DOSSIER_TEXTS_BACKFILL } from '../store/migrations/015-dossier-texts-resume.js';

export interface UpsertItem {
  readonly externalId: string;
  readonly data: DossierData;
}

export interface UpsertResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly ids: string[];
}

/** Dossiers of one type that refer to a dossier through one field: how many, and the first few. */
export interface RelatedGroup {
  readonly type: string;
  readonly field: string;
  readonly total: number;
  readonly items: readonly Dossier[];
  /** For dossiers reached in two steps: the type and field in between (opportunities via intake). */
  readonly through?: { readonly type: string; readonly field: string };
}

/** What changed a dossier after the version a client read: each write's actor and fields. */
export interface ChangeSince {
  readonly actor: string | null;
  readonly fields: readonly string[];
  readonly occurredAt: number;
}

/**
 * Called inside the write transaction with the events it wrote (the engine stamps actions here).
 * With `plan` the events are created events not written yet (their id PLANNED_EVENT_ID): the hook
 * writes nothing and leaves its actions in `plan`, written with the dossier and the event in one
 * statement (PostgreSQL).
 */
export type AfterWriteHook = (db: Db, events: readonly DossierEvent[], plan?: DeferredStamp) => Promise<void>;

/**
 * Writes dossiers: validates against the dossier type, checks references, and writes the
 * dossier and its event in one transaction — both commit or neither does.
 */
export class DossierService {
  readonly dossiers: DossierRepository;
  readonly events: EventRepository;
  readonly users: UserRepository;
  private readonly timeline: DossierTimelineRepository;
  private readonly settings: SettingsRepository;
  private readonly afterWrite: AfterWriteHook[] = [];
  /** Writes the actions stamped for a created dossier in its statement (insertCreated). */
  private readonly actions: ActionRepository;

  constructor(
    private readonly store: Store,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
  ) {
    this.dossiers = new DossierRepository(store);
    this.events = new EventRepository(store);
    this.actions = new ActionRepository(store);
    this.users = new UserRepository(store);
    this.timeline = new DossierTimelineRepository(store);
    this.settings = new SettingsRepository(store);
  }

  /**
   * The steps of a dossier's actions for its timeline, newest first, `before` a history id (the
   * cursor). The actions outlive a deleted dossier as its events do, so the dossier is not read;
   * only actions of a dossier of `typeKey` count, so another type's id has no steps here.
   */
  async actionSteps(
    typeKey: string,
    id: string,
    page: { readonly before?: number; readonly limit: number },
  ): Promise<ActionStep[]> {
    this.typeOf(typeKey);
    return isStorableText(id) ? this.timeline.actionSteps(typeKey, id, page) : [];
  }

  /**
   * Registers a hook run in the write transaction with the events of the write: after they are
   * appended, except for a create on PostgreSQL (no externalId), where it runs BEFORE anything is
   * written, with the created event's id PLANNED_EVENT_ID and a `plan` to leave its writes in
   * (they go into the create's one statement; see insertCreated). A hook must then write nothing.
   */
  onAfterWrite(hook: AfterWriteHook): void {
    this.afterWrite.push(hook);
  }

  /** The dossier type named `key`, or a not-found error that lists the known types. */
  typeOf(key: string): DossierType {
    const type = this.catalog().get(key);
    if (!type) {
      const known = this.catalog()
        .all()
        .map((t) => t.key)
        .join(', ');
      throw new WerkflowError('not_found', `There is no dossier type "${key}". Known types: ${known}.`, {
        path: 'type',
      });
    }
    return type;
  }

  async get(typeKey: string, id: string): Promise<Dossier> {
    const type = this.typeOf(typeKey);
    const dossier = isStorableText(id) ? await this.dossiers.get(id) : undefined;
    if (!dossier || dossier.type !== type.key) throw notFound(type, id);
    return dossier;
  }

  async list(filter: DossierFilter): Promise<Dossier[]> {
    return (await this.listSorted(filter)).map((r) => r.dossier);
  }

  /** How many dossiers match a list's filter (without its paging). */
  async count(filter: DossierFilter): Promise<number> {
    this.checkFilter(filter);
    return this.dossiers.countMatching(filter);
  }

  /** A page of a list with each dossier's sort key, for the next page's cursor. */
  async listSorted(filter: DossierFilter): Promise<SortedDossier[]> {
    this.checkFilter(filter);
    return this.dossiers.listSorted(filter);
  }

  /**
   * The search of a list of `typeKey` for `text`: up to five words, each to occur in the
   * dossier's search text (its titles, its text fields and those of the dossiers its title reads).
   */
  searchOf(typeKey: string, text: string): DossierFilter['search'] {
    this.typeOf(typeKey);
    const words = text
      .split(/\s+/)
      .map((w) => w.trim())
      .filter((w) => w !== '' && isStorableText(w))
      .slice(0, 5);
    return { words };
  }

  /** The dossiers the titles of `dossiers` read (two levels: a participant's training and person), with them. */
  private async withTitleReferences(dossiers: readonly Dossier[], db: Db): Promise<Map<string, Dossier>> {
    const known = new Map(dossiers.map((d) => [d.id, d]));
    let level: readonly Dossier[] = dossiers;
    for (let depth = 0; depth < 2 && level.length > 0; depth++) {
      const missing = titleReferences(level, this.catalog()).filter((id) => !known.has(id));
      level = missing.length > 0 ? await this.dossiers.getMany(missing, db) : [];
      for (const d of level) known.set(d.id, d);
    }
    return known;
  }

  /**
   * The titles of dossiers by id, in `lang`: as stored with them (migration 012; read with the
   * dossiers, asked for only for dossier objects that were not), computed by their title rules
   * only for dossiers without a stored title.
   */
  async titles(dossiers: readonly Dossier[], lang: TitleLanguage): Promise<Map<string, string>> {
    const unread = dossiers.filter((d) => textsReadWith(d) === undefined).map((d) => d.id);
    const asked =
      unread.length > 0 ? await this.dossiers.storedTexts(unread) : new Map<string, DossierText>();
    const out = new Map<string, string>();
    const missing: Dossier[] = [];
    for (const d of dossiers) {
      const text = textsReadWith(d) ?? asked.get(d.id);
      if (text) out.set(d.id, lang === 'nl' ? text.titleNl : text.titleEn);
      else missing.push(d);
    }
    if (missing.length > 0) {
      const known = await this.withTitleReferences(missing, this.store.db);
      const lookup = (id: string) => known.get(id);
      for (const d of missing) out.set(d.id, titleOf(d, this.catalog(), lookup, lang));
    }
    return out;
  }

  /**
   * What is stored beside each dossier for lists and search: its titles in Dutch and English,
   * and its search text (both titles, its text fields, and the text fields of the dossiers its
   * title reads), read in `db` so a write transaction sees its own changes.
   */
  async textsOf(dossiers: readonly Dossier[], db: Db): Promise<Map<string, DossierText>> {
    const catalog = this.catalog();
    const known = await this.withTitleReferences(dossiers, db);
    const lookup = (id: string) => known.get(id);
    const typeInfo = (key: string) => textInfoOf(catalog.get(key));
    const ownText = (d: Dossier): string[] => {
      const out: string[] = [];
      for (const key of typeInfo(d.type).textKeys) {
        const v = d.data[key];
        if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
      }
      return out;
    };
    const texts = new Map<string, DossierText>();
    for (const d of dossiers) {
      const titleNl = titleOf(d, catalog, lookup, 'nl');
      const titleEn = titleOf(d, catalog, lookup, 'en');
      const read = typeInfo(d.type).readsOthers
        ? titleReferences([d], catalog)
            .map(lookup)
            .filter((r): r is Dossier => r !== undefined)
        : [];
      const parts = [titleNl, titleEn, ...ownText(d), ...read.flatMap(ownText)];
      texts.set(d.id, { titleNl, titleEn, search: parts.join('\n').toLowerCase() });
    }
    return texts;
  }

  /** Writes the texts of `dossiers` where they differ from the stored ones; returns those that changed. */
  private async writeTextsIfChanged(dossiers: readonly Dossier[], db: Db): Promise<Dossier[]> {
    if (dossiers.length === 0) return [];
    const texts = await this.textsOf(dossiers, db);
    const stored = await this.dossiers.storedTexts(
      dossiers.map((d) => d.id),
      db,
    );
    const changed = new Map([...texts].filter(([id, text]) => !sameText(stored.get(id), text)));
    await this.dossiers.setTexts(changed, db);
    return dossiers.filter((d) => changed.has(d.id));
  }

  /**
   * After the texts of `changed` dossiers changed: the dossiers whose titles read them get theirs
   * again (a training renamed → its participants), and theirs, two links up as titles read.
   */
  private async refreshReaders(changed: readonly Dossier[], db: Db): Promise<void> {
    let level = changed;
    for (let depth = 0; depth < 2 && level.length > 0; depth++) {
      const readers = new Map<string, Dossier>();
      for (const { type, field, refType } of this.titleReads()) {
        const ids = level.filter((d) => d.type === refType).map((d) => d.id);
        if (ids.length === 0) continue;
        for (const r of await this.dossiers.referencingAny(type, field, ids, db)) readers.set(r.id, r);
      }
      level = await this.writeTextsIfChanged([...readers.values()], db);
    }
  }

  /**
   * Fills or renews the stored titles and search texts of every dossier (of `types` only, when
   * given) in batches: after migration 012, and after dossier types changed their title rules,
   * labels or fields. Returns how many were written.
   */
  async refreshTexts(types?: readonly string[]): Promise<number> {
    return this.writeTextBatches({ types });
  }

  /**
   * Continues an unfinished fill of the stored titles and search texts (migration 012, marked by
   * migration 015 in settings): from the last id done, each batch moving the mark on in its own
   * transaction, the mark removed at the end. Nothing when no fill is unfinished. Stops between
   * batches when `signal` aborts (a later open continues). Returns how many texts were written.
   */
  async resumeTextBackfill(
    options: {
      readonly batchSize?: number;
      readonly signal?: AbortSignal;
      readonly onBatch?: () => void;
    } = {},
  ): Promise<number> {
    const mark = await this.settings.get<{ after: string }>(DOSSIER_TEXTS_BACKFILL);
    if (mark === undefined) return 0;
    const written = await this.writeTextBatches({
      after: mark.after,
      batchSize: options.batchSize,
      signal: options.signal,
      afterBatch: async (lastId, trx) => {
        await this.settings.set(DOSSIER_TEXTS_BACKFILL, { after: lastId }, trx);
        options.onBatch?.();
      },
    });
    if (!options.signal?.aborted) await this.settings.delete(DOSSIER_TEXTS_BACKFILL);
    return written;
  }

  /** Writes the texts of dossiers (of `types`), after id `after`, in batches of its own transaction. */
  private async writeTextBatches(options: {
    readonly after?: string;
    readonly types?: readonly string[];
    readonly batchSize?: number;
    readonly signal?: AbortSignal;
    readonly afterBatch?: (lastId: string, trx: Db) => Promise<void>;
  }): Promise<number> {
    let after = options.after ?? '';
    let written = 0;
    for (;;) {
      if (options.signal?.aborted) return written;
      // Read in the batch's own transaction, rows held: a dossier saved meanwhile keeps its texts.
      const done = await this.store.db.transaction().execute(async (trx) => {
        const batch = await this.dossiers.batchAfter(
          after,
          options.batchSize ?? 1_000,
          options.types,
          trx,
          true,
        );
        if (batch.length === 0) return undefined;
        const lastId = batch[batch.length - 1]!.id;
        const changed = await this.writeTextsIfChanged(batch, trx);
        await options.afterBatch?.(lastId, trx);
        return { lastId, written: changed.length };
      });
      if (done === undefined) return written;
      written += done.written;
      after = done.lastId;
    }
  }

  /** The types whose stored texts depend on these types' definitions: themselves and those whose titles read them. */
  typesReading(keys: readonly string[]): string[] {
    const out = new Set(keys);
    const reads = this.titleReads();
    for (let round = 0; round < 2; round++)
      for (const { type, refType } of reads) if (out.has(refType)) out.add(type);
    return [...out];
  }

  /** The reference fields titles read, as `type` reads `refType` through `field`: the one rule of who reads whom. */
  private titleReads(): { type: string; field: string; refType: string }[] {
    return this.catalog()
      .all()
      .flatMap((type) =>
        titleFieldKeys(type).flatMap((key) => {
          const field = type.fields.find((f) => f.key === key);
          return field?.kind === 'reference' ? [{ type: type.key, field: key, refType: field.refType }] : [];
        }),
      );
  }

  /** Asks the store for an index per sortable field of every type (see DossierRepository.ensureSortIndexes). */
  async ensureSortIndexes(): Promise<void> {
    await this.dossiers.ensureSortIndexes(
      this.catalog()
        .all()
        .flatMap((type) =>
          type.fields
            .filter((f) => !['longText', 'reference', 'user', 'team'].includes(f.kind))
            .map((f) => ({ type: type.key, field: f.key, as: this.sortOf(type.key, f.key, false).as })),
        ),
    );
  }

  /** The titles of the dossiers with these ids (those that exist), in `lang`: for sentences that name them. */
  async titlesByIds(ids: Iterable<string>, lang: TitleLanguage): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    return unique.length === 0 ? new Map() : this.titles(await this.dossiers.getMany(unique), lang);
  }

  /** The dossiers that refer to this one, per referring type and field: a training's participants. */
  async related(typeKey: string, id: string, limit: number): Promise<RelatedGroup[]> {
    const type = this.typeOf(typeKey);
    await this.get(typeKey, id);
    const groups: RelatedGroup[] = [];
    for (const other of this.catalog().all()) {
      for (const field of other.fields) {
        if (field.kind !== 'reference' || field.refType !== type.key) continue;
        const items = await this.dossiers.referencing(other.key, field.key, id, limit);
        if (items.length === 0) continue;
        const total =
          items.length < limit
            ? items.length
            : await this.dossiers.countReferencing(other.key, field.key, id);
        groups.push({ type: other.key, field: field.key, total, items });
      }
    }
    // One step further along required references, which say "belongs to": a contact's
    // opportunities through its intakes (opportunity.intake → intake.contact → this contact).
    for (const mid of this.catalog().all()) {
      for (const midField of mid.fields) {
        if (midField.kind !== 'reference' || midField.refType !== type.key || !midField.required) continue;
        if (mid.key === type.key) continue;
        for (const far of this.catalog().all()) {
          for (const farField of far.fields) {
            if (farField.kind !== 'reference' || farField.refType !== mid.key || !farField.required) continue;
            if (far.key === type.key) continue;
            const { items, total } = await this.dossiers.referencingThrough(
              far.key,
              farField.key,
              { type: mid.key, field: midField.key },
              id,
              limit,
            );
            if (items.length > 0)
              groups.push({
                type: far.key,
                field: farField.key,
                total,
                items,
                through: { type: mid.key, field: midField.key },
              });
          }
        }
      }
    }
    return groups;
  }

  /**
   * Who changed a dossier after version `expected`, and which fields: the newest events, one per
   * version (every write raises the version by one and writes one event).
   */
  async changesSince(id: string, expected: number, current: number): Promise<ChangeSince[]> {
    const count = Math.min(Math.max(current - expected, 0), 50);
    if (count === 0) return [];
    const events = await this.events.listForDossier(id, { limit: count });
    return events.map((e) => ({ actor: e.actor, fields: Object.keys(e.changes), occurredAt: e.occurredAt }));
  }

  private checkFilter(filter: DossierFilter): void {
    const type = this.typeOf(filter.type);
    const problems: ErrorDetail[] = [];
    for (const key of Object.keys(filter.fields ?? {})) {
      if (!type.fields.some((f) => f.key === key)) {
        problems.push({
          path: `query.${key}`,
          message: `Cannot filter on "${key}": ${type.key} has no such field.`,
        });
      }
    }
    for (const s of filter.statuses ?? []) {
      if (!type.statuses.some((st) => st.code === s)) {
        problems.push({ path: 'query.status', message: `Unknown status "${s}" for ${type.key}.` });
      }
    }
    // PostgreSQL refuses such text outright; no stored value can contain it, so say so here.
    for (const [key, value] of Object.entries(filter.fields ?? {})) {
      if (!isStorableText(value)) {
        problems.push({
          path: `query.${key}`,
          message: `The filter on "${key}" contains a NUL character or half a surrogate pair; no value does.`,
        });
      }
    }
    if (filter.after !== undefined && !isStorableText(filter.after)) {
      problems.push({
        path: 'query.cursor',
        message: 'The cursor is not one this API gave out; start again without it.',
      });
    }
    if (
      filter.sort &&
      !['id', 'updatedAt'].includes(filter.sort.by) &&
      !type.fields.some((f) => f.key === filter.sort!.by)
    ) {
      problems.push({
        path: 'query.sort',
        message: `Cannot sort on "${filter.sort.by}": ${type.key} has no such field. Sort on id, updatedAt or a field.`,
      });
    }
    throwIfProblems(problems);
  }

  /** How a list of `typeKey` sorts on `by` (a field compares as a number or as text). */
  sortOf(typeKey: string, by: string, desc: boolean): NonNullable<DossierFilter['sort']> {
    const field = this.typeOf(typeKey).fields.find((f) => f.key === by);
    return { by, desc, as: field?.kind === 'number' || field?.kind === 'money' ? 'number' : 'text' };
  }

  private async checkReferences(db: Db, refs: readonly ReferenceToCheck[]): Promise<void> {
    // Grouped by kind and type: a dossier type may itself be called "user" or "team".
    const byType = new Map<string, ReferenceToCheck[]>();
    for (const ref of refs) {
      const group = `${ref.refKind}:${ref.refType}`;
      const list = byType.get(group) ?? [];
      list.push(ref);
      byType.set(group, list);
    }
    const problems: ErrorDetail[] = [];
    for (const list of byType.values()) {
      const ids = [...new Set(list.map((r) => r.id))];
      const { refKind: kind, refType } = list[0]!;
      const found =
        kind === 'user'
          ? await this.users.existingIds(ids, db)
          : kind === 'team'
            ? await this.users.existingTeamIds(ids, db)
            : await this.dossiers.existingIds(refType, ids, db);
      for (const ref of list) {
        if (!found.has(ref.id)) {
          const field = ref.path.slice(ref.path.lastIndexOf('.') + 1);
          problems.push({
            path: ref.path,
            message: `"${field}" refers to ${refType} "${ref.id}", which does not exist.`,
          });
        }
      }
    }
    throwIfProblems(problems);
  }

  private async runAfterWrite(db: Db, events: readonly NewDossierEvent[]): Promise<void> {
    await this.runHooks(db, await this.events.append(db, events));
  }

  private async runHooks(db: Db, written: readonly DossierEvent[], plan?: DeferredStamp): Promise<void> {
    for (const hook of this.afterWrite) await hook(db, written, plan);
  }

  /**
   * Inserts a new dossier with its created event and runs the hooks (stamping). PostgreSQL writes
   * the dossier, the event and the actions the hooks stamp in ONE statement (data-modifying WITH):
   * the hooks run first, for the event not written yet (`plan`). With `final` (the caller's
   * transaction writes nothing after this) and nothing read before, that statement is the whole
   * transaction: a create is one round trip.
   */
  private async insertCreated(
    db: Db,
    dossier: Dossier,
    event: NewDossierEvent,
    texts: ReadonlyMap<string, DossierText>,
    final: boolean,
  ): Promise<void> {
    if (!this.store.adapter.writableCte) {
      await this.dossiers.insert(dossier, db, texts.get(dossier.id)!);
      return this.runAfterWrite(db, [event]);
    }
    const rows = this.dossiers.rowsOf([dossier], texts);
    if (dossier.externalId !== null) {
      // An external id may be taken meanwhile (checkInserted): the event and actions would then
      // have no dossier, so they are written after the dossier, by the hooks as usual.
      const { events, written } = await this.events.appendWith(db, [event], rows);
      this.dossiers.checkInserted(dossier, written);
      return this.runHooks(db, events);
    }
    const plan: DeferredStamp = { actions: [], then: [] };
    await this.runHooks(db, [{ ...event, id: PLANNED_EVENT_ID }], plan);
    // With `last` the statement below may commit on its own (finalStatement): nothing that can
    // fail may run after it in this create, or a committed create would report an error (and a
    // retry make a second dossier). checkInserted cannot fail here (no externalId; a clash of the
    // id fails the statement itself), and plan.then is empty when `last`.
    const last = final && plan.then.length === 0;
    if (plan.actions.length === 0) {
      const { written } = await this.events.appendWith(db, [event], rows, last);
      this.dossiers.checkInserted(dossier, written);
    } else {
      const { written } = await this.actions.insertWithCreated(
        db,
        rows,
        this.events.rowsOf([event]),
        plan.actions,
        event.actor,
        plan.announce ?? null,
        last,
      );
      this.dossiers.checkInserted(dossier, written);
    }
    for (const then of plan.then) await then(db);
  }

  /** Runs `fn` in the caller's transaction when given one, else in a new transaction. */
  private tx<T>(outer: Db | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
    return outer ? fn(outer) : this.store.db.transaction().execute(fn);
  }

  async create(
    typeKey: string,
    input: { data: unknown; externalId?: string | null },
    actor: string | null,
    outer?: Db,
  ): Promise<Dossier> {
    const type = this.typeOf(typeKey);
    const externalId = input.externalId ?? null;
    if (externalId !== null) checkExternalId(externalId, 'externalId');
    const write = requireValidWrite(type, input.data, 'create');
    const now = this.clock.now();
    const dossier: Dossier = {
      id: newId(now),
      type: type.key,
      externalId,
      status: write.status,
      data: write.data,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    return this.tx(outer, async (trx) => {
      await this.checkReferences(trx, write.references);
      if (dossier.externalId !== null) {
        const [existing] = await this.dossiers.getByExternalIds(type.key, [dossier.externalId], trx);
        if (existing) {
          throw new WerkflowError(
            'already_exists',
            `A ${type.key} with externalId "${dossier.externalId}" exists already (id ${existing.id}). Use PUT /api/dossiers/${type.key}/by-external-id/${encodeURIComponent(dossier.externalId)} to update it.`,
            { path: 'externalId' },
          );
        }
      }
      const texts = await this.textsOf([dossier], trx);
      await this.insertCreated(trx, dossier, eventOf(dossier, 'created', {}, actor, now), texts, !outer);
      rememberTexts(dossier, texts.get(dossier.id)!);
      return dossier;
    });
  }

  /**
   * Changes some fields of a dossier. `expectedVersion` is the version the client read: when
   * the dossier changed since, nothing is written and a version conflict is raised.
   */
  async patch(
    typeKey: string,
    id: string,
    data: unknown,
    expectedVersion: number,
    actor: string | null,
    outer?: Db,
  ): Promise<Dossier> {
    const type = this.typeOf(typeKey);
    return this.tx(outer, async (trx) => {
      const current = isStorableText(id) ? await this.dossiers.get(id, trx) : undefined;
      if (!current || current.type !== type.key) throw notFound(type, id);
      if (current.version !== expectedVersion) throw versionConflict(current, expectedVersion);
      const write = requireValidWrite(type, data, 'patch', current.data);
      const changes = diffData(current.data, write.data);
      if (Object.keys(changes).length === 0) return current;
      const changedRefs = write.references.filter((r) => changes[r.path.slice('data.'.length)] !== undefined);
      await this.checkReferences(trx, changedRefs);
      const now = this.clock.now();
      const next: Dossier = {
        ...current,
        data: write.data,
        status: write.status,
        version: current.version + 1,
        updatedAt: now,
      };
      const before = textsReadWith(current) ?? undefined;
      const text = (await this.textsOf([next], trx)).get(id)!;
      if (!(await this.dossiers.updateIfVersion(next, expectedVersion, trx, text))) {
        const latest = await this.dossiers.get(id, trx);
        throw versionConflict(latest ?? current, expectedVersion);
      }
      if (!sameText(before, text)) await this.refreshReaders([next], trx);
      await this.runAfterWrite(trx, [eventOf(next, 'updated', changes, actor, now)]);
      rememberTexts(next, text);
      return next;
    });
  }

  /** Deletes a dossier unless other dossiers still refer to it. */
  async delete(
    typeKey: string,
    id: string,
    expectedVersion: number | undefined,
    actor: string | null,
  ): Promise<void> {
    const type = this.typeOf(typeKey);
    await this.store.db.transaction().execute(async (trx) => {
      const current = isStorableText(id) ? await this.dossiers.get(id, trx) : undefined;
      if (!current || current.type !== type.key) throw notFound(type, id);
      if (expectedVersion !== undefined && current.version !== expectedVersion)
        throw versionConflict(current, expectedVersion);
      for (const other of this.catalog().all()) {
        for (const field of other.fields) {
          if (field.kind !== 'reference' || field.refType !== type.key) continue;
          const refs = await this.dossiers.referencing(other.key, field.key, id, 3, trx);
          if (refs.length > 0) {
            throw new WerkflowError(
              'invalid_state',
              `This ${type.key} cannot be deleted: ${other.key} ${refs.map((r) => r.id).join(', ')} still refer${refs.length === 1 ? 's' : ''} to it through "${field.key}". Delete or re-link those first.`,
              { path: 'id' },
            );
          }
        }
      }
      await this.dossiers.delete(id, trx);
      await this.runAfterWrite(trx, [eventOf(current, 'deleted', {}, actor, this.clock.now())]);
    });
  }

  /**
   * Creates or updates dossiers of one type by the id the feeding CRM gives them, all in one
   * transaction: either every item is written, or — when one is invalid — none is, and the error
   * names the item (`items[12].data.email`). Unchanged items write nothing and cause no event.
   */
  async upsertByExternalId(
    typeKey: string,
    items: readonly UpsertItem[],
    actor: string | null,
    outer?: Db,
  ): Promise<UpsertResult> {
    const type = this.typeOf(typeKey);
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      if (typeof item.externalId !== 'string' || item.externalId.length === 0) {
        throw new WerkflowError('validation_failed', `Item ${i} has no externalId.`, {
          path: `items[${i}].externalId`,
        });
      }
      checkExternalId(item.externalId, `items[${i}].externalId`);
      const before = seen.get(item.externalId);
      if (before !== undefined) {
        throw new WerkflowError(
          'validation_failed',
          `externalId "${item.externalId}" appears twice: items ${before} and ${i}.`,
          {
            path: `items[${i}].externalId`,
          },
        );
      }
      seen.set(item.externalId, i);
    });
    return this.tx(outer, async (trx) => {
      const existing = new Map(
        (await this.dossiers.getByExternalIds(type.key, [...seen.keys()], trx, true)).map((d) => [
          d.externalId!,
          d,
        ]),
      );
      const now = this.clock.now();
      const inserts: Dossier[] = [];
      const updates: Dossier[] = [];
      const events: NewDossierEvent[] = [];
      const refs: ReferenceToCheck[] = [];
      const problems: ErrorDetail[] = [];
      let created = 0;
      let updated = 0;
      let unchanged = 0;
      const ids: string[] = [];
      items.forEach((item, i) => {
        const current = existing.get(item.externalId);
        const result = validateDossierWrite(type, item.data, current ? 'patch' : 'create', current?.data);
        if (!result.ok) {
          for (const p of result.problems)
            problems.push({
              path: `items[${i}].${p.path}`,
              message: `Item ${i} (externalId ${item.externalId}): ${p.message}`,
            });
          return;
        }
        const { write } = result;
        for (const r of write.references) refs.push({ ...r, path: `items[${i}].${r.path}` });
        if (current) {
          ids.push(current.id);
          const changes = diffData(current.data, write.data);
          if (Object.keys(changes).length === 0) {
            unchanged++;
            return;
          }
          const next: Dossier = {
            ...current,
            data: write.data,
            status: write.status,
            version: current.version + 1,
            updatedAt: now,
          };
          updates.push(next);
          events.push(eventOf(next, 'updated', changes, actor, now));
          updated++;
        } else {
          const dossier: Dossier = {
            id: newId(now),
            type: type.key,
            externalId: item.externalId,
            status: write.status,
            data: write.data,
            version: 1,
            createdAt: now,
            updatedAt: now,
          };
          ids.push(dossier.id);
          inserts.push(dossier);
          events.push(eventOf(dossier, 'created', {}, actor, now));
          created++;
        }
      });
      throwIfProblems(problems);
      await this.checkReferences(trx, refs);
      const texts = await this.textsOf([...inserts, ...updates], trx);
      // The texts stored before: read with the dossiers (getByExternalIds).
      const before = new Map(
        updates.map((d) => [d.id, textsReadWith(existing.get(d.externalId!)!) ?? undefined]),
      );
      if ((await this.dossiers.insertMany(inserts, trx, texts)) !== inserts.length) {
        // Another transaction created some of these external ids after we looked (PostgreSQL,
        // concurrent upserts); throwing rolls ours back whole. A retry will update them.
        throw new WerkflowError(
          'version_conflict',
          `Another request created ${type.key} dossiers with some of these externalIds at the same moment, so nothing was written. Send the request again: those dossiers will then be updated.`,
          { path: 'items' },
        );
      }
      await this.dossiers.upsertMany(updates, trx, texts);
      await this.refreshReaders(
        updates.filter((d) => !sameText(before.get(d.id), texts.get(d.id)!)),
        trx,
      );
      await this.runAfterWrite(trx, events);
      return { created, updated, unchanged, ids };
    });
  }
}

/** What a type's stored texts read: its text fields, and whether its title reads other dossiers. */
interface TextInfo {
  readonly textKeys: readonly string[];
  readonly readsOthers: boolean;
}

/** TextInfo per dossier type definition (a changed type is a new object): once, not per create. */
const TEXT_INFO = new WeakMap<DossierType, TextInfo>();
const NO_TEXT_INFO: TextInfo = { textKeys: [], readsOthers: false };

function textInfoOf(type: DossierType | undefined): TextInfo {
  if (type === undefined) return NO_TEXT_INFO;
  let info = TEXT_INFO.get(type);
  if (info === undefined) {
    const titleKeys = titleFieldKeys(type);
    info = {
      textKeys: type.fields.filter((f) => ['text', 'email', 'phone'].includes(f.kind)).map((f) => f.key),
      readsOthers: type.fields.some((f) => f.kind === 'reference' && titleKeys.includes(f.key)),
    };
    TEXT_INFO.set(type, info);
  }
  return info;
}

function sameText(a: DossierText | undefined, b: DossierText): boolean {
  return a !== undefined && a.titleNl === b.titleNl && a.titleEn === b.titleEn && a.search === b.search;
}

function eventOf(
  dossier: Dossier,
  kind: NewDossierEvent['kind'],
  changes: NewDossierEvent['changes'],
  actor: string | null,
  at: number,
): NewDossierEvent {
  return {
    dossierId: dossier.id,
    dossierType: dossier.type,
    kind,
    changes,
    data: dossier.data,
    status: dossier.status,
    actor,
    occurredAt: at,
  };
}

function notFound(type: DossierType, id: string): WerkflowError {
  return new WerkflowError('not_found', `There is no ${type.label.en.toLowerCase()} with id "${id}".`, {
    path: 'id',
  });
}

/** An external id is text of 1 to 200 characters that every backend can store (isStorableText). */
function checkExternalId(externalId: string, path: string): void {
  if (externalId.length === 0 || externalId.length > 200) {
    throw new WerkflowError('validation_failed', 'The externalId must be text of 1 to 200 characters.', {
      path,
    });
  }
  if (!isStorableText(externalId)) {
    throw new WerkflowError(
      'validation_failed',
      'The externalId contains a NUL character or half a surrogate pair; remove it.',
      { path },
    );
  }
}

function versionConflict(current: Dossier, expected: number): WerkflowError {
  return new WerkflowError(
    'version_conflict',
    `This dossier was changed by someone else: you read version ${expected}, it is now at version ${current.version}. Reload it, apply your change again and send If-Match: ${current.version}.`,
    { path: 'If-Match' },
  );
}

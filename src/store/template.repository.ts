import type { Selectable } from 'kysely';
import type {
  ActionTemplate,
  ActiveTemplate,
  TemplateDefinition,
  TemplateVersion,
} from '../domain/template/action-template.js';
import type { Db, Store } from './database.js';
import type { ActionTemplateTable } from './engine.tables.js';

export type { ActiveTemplate } from '../domain/template/action-template.js';

export interface TemplateFilter {
  readonly dossierType?: string;
  readonly process?: string;
  readonly active?: boolean;
}

export class TemplateRepository {
  constructor(private readonly store: Store) {}

  private toDomain(row: Selectable<ActionTemplateTable>): ActionTemplate {
    return {
      id: row.id,
      active: Number(row.active) === 1,
      draft: this.store.adapter.fromJson<TemplateDefinition>(row.draft),
      publishedVersion: row.published_version === null ? null : Number(row.published_version),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  async insert(t: ActionTemplate, createdBy: string | null, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('action_templates')
      .values({
        id: t.id,
        active: t.active ? 1 : 0,
        draft: this.store.adapter.toJson(t.draft) as string,
        published_version: t.publishedVersion,
        created_by: createdBy,
        created_at: t.createdAt,
        updated_at: t.updatedAt,
      })
      .execute();
  }

  async get(id: string, db: Db = this.store.db): Promise<ActionTemplate | undefined> {
    const row = await db.selectFrom('action_templates').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async list(filter: TemplateFilter = {}, db: Db = this.store.db): Promise<ActionTemplate[]> {
    let q = db.selectFrom('action_templates').selectAll();
    if (filter.active !== undefined) q = q.where('active', '=', filter.active ? 1 : 0);
    if (filter.dossierType)
      q = q.where(this.store.adapter.jsonText('draft', 'dossierType'), '=', filter.dossierType);
    if (filter.process) q = q.where(this.store.adapter.jsonText('draft', 'process'), '=', filter.process);
    return (await q.orderBy('created_at').execute()).map((r) => this.toDomain(r));
  }

  async updateDraft(
    id: string,
    draft: TemplateDefinition,
    now: number,
    db: Db = this.store.db,
  ): Promise<void> {
    await db
      .updateTable('action_templates')
      .set({ draft: this.store.adapter.toJson(draft) as string, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async setActive(id: string, active: boolean, now: number, db: Db = this.store.db): Promise<void> {
    await db
      .updateTable('action_templates')
      .set({ active: active ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string, db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('action_templates').where('id', '=', id).execute();
  }

  /** Freezes the draft as the next version; returns its number. */
  async publish(
    id: string,
    definition: TemplateDefinition,
    by: string | null,
    now: number,
    db: Db,
  ): Promise<number> {
    const row = await db
      .selectFrom('template_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('template_id', '=', id)
      .executeTakeFirst();
    const version = Number(row?.v ?? 0) + 1;
    await db
      .insertInto('template_versions')
      .values({
        template_id: id,
        version,
        definition: this.store.adapter.toJson(definition) as string,
        published_at: now,
        published_by: by,
      })
      .execute();
    await db
      .updateTable('action_templates')
      .set({ published_version: version, updated_at: now })
      .where('id', '=', id)
      .execute();
    return version;
  }

  async versions(id: string, db: Db = this.store.db): Promise<TemplateVersion[]> {
    const rows = await db
      .selectFrom('template_versions')
      .selectAll()
      .where('template_id', '=', id)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      templateId: r.template_id,
      version: Number(r.version),
      definition: this.store.adapter.fromJson<TemplateDefinition>(r.definition),
      publishedAt: Number(r.published_at),
      publishedBy: r.published_by,
    }));
  }

  async version(
    id: string,
    version: number,
    db: Db = this.store.db,
  ): Promise<TemplateDefinition | undefined> {
    const row = await db
      .selectFrom('template_versions')
      .select('definition')
      .where('template_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? this.store.adapter.fromJson<TemplateDefinition>(row.definition) : undefined;
  }

  /**
   * The definitions of many template versions in one query per 250, keyed `id@version` (missing
   * ones are absent).
   */
  async versionsMany(
    pairs: readonly { id: string; version: number }[],
    db: Db = this.store.db,
  ): Promise<Map<string, TemplateDefinition>> {
    const out = new Map<string, TemplateDefinition>();
    for (let i = 0; i < pairs.length; i += 250) {
      const part = pairs.slice(i, i + 250);
      const rows = await db
        .selectFrom('template_versions')
        .select(['template_id', 'version', 'definition'])
        .where((eb) =>
          eb.or(part.map((p) => eb.and([eb('template_id', '=', p.id), eb('version', '=', p.version)]))),
        )
        .execute();
      for (const r of rows)
        out.set(
          `${r.template_id}@${Number(r.version)}`,
          this.store.adapter.fromJson<TemplateDefinition>(r.definition),
        );
    }
    return out;
  }

  /** When each of these templates was first published (epoch ms), in one query per 500; absent when never. */
  async firstPublishedAt(ids: readonly string[], db: Db = this.store.db): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('template_versions')
        .select('template_id')
        .select((eb) => eb.fn.min('published_at').as('first'))
        .where('template_id', 'in', ids.slice(i, i + 500))
        .groupBy('template_id')
        .execute();
      for (const r of rows) out.set(r.template_id, Number(r.first));
    }
    return out;
  }

  /** Changes whenever any template is created, edited, published, switched or deleted. */
  async changeStamp(db: Db = this.store.db): Promise<string> {
    const row = await db
      .selectFrom('action_templates')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('updated_at').as('t')])
      .executeTakeFirst();
    return `${Number(row?.n ?? 0)}|${Number(row?.t ?? 0)}`;
  }

  /** The newest published version of every active template. */
  async listActive(db: Db = this.store.db): Promise<ActiveTemplate[]> {
    const rows = await db
      .selectFrom('action_templates as t')
      .innerJoin('template_versions as v', (j) =>
        j.onRef('v.template_id', '=', 't.id').onRef('v.version', '=', 't.published_version'),
      )
      .select(['t.id', 'v.version', 'v.definition'])
      .where('t.active', '=', 1)
      .execute();
    return rows.map((r) => ({
      templateId: r.id,
      version: Number(r.version),
      definition: this.store.adapter.fromJson<TemplateDefinition>(r.definition),
    }));
  }
}

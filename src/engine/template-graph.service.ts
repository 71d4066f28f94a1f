import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { throwIfProblems } from '../domain/errors.js';
import type { TemplateDefinition } from '../domain/template/action-template.js';
import { type GraphTemplate, fieldConflicts, loopProblems } from '../domain/template/template-graph.js';
import type { ActionEngine } from './action-engine.js';
import type { TemplateWarning } from './template.service.js';

/**
 * The templates as a graph (src/domain/template/template-graph.ts) over the live data: loops
 * refused when a template is saved, published or switched on; conflicts returned as warnings.
 */
export class TemplateGraphService {
  constructor(
    private readonly engine: ActionEngine,
    private readonly catalog: () => DossierTypeCatalog,
  ) {}

  /** The published versions of the active templates. */
  async activeTemplates(): Promise<GraphTemplate[]> {
    return (await this.engine.templates.listActive()).map((t) => ({
      id: t.templateId,
      definition: t.definition,
    }));
  }

  /** Throws (validation_failed, path `effect`) when the template closes a loop; returns its conflicts. */
  async check(id: string, def: TemplateDefinition): Promise<TemplateWarning[]> {
    const others = await this.activeTemplates();
    const candidate = { id, definition: def };
    throwIfProblems(loopProblems(candidate, others, this.catalog()));
    return fieldConflicts(candidate, others).map((c) => ({
      code: 'template.fieldConflict',
      message: c.message,
      params: { templateIds: c.templateIds, dossierType: c.dossierType, field: c.field },
    }));
  }
}

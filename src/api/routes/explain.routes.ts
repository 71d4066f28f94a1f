import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import { languageOf } from '../../domain/template/explain-text.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { DossierExplanationSchema, ProcessMapSchema } from '../explain.schemas.js';
import { errorResponses } from '../schemas.js';

/** Explanations (why a template did or did not act on a dossier, what happens next) and the process map. */
export function explainRoutes(app: TypedApp, werkflow: Werkflow): void {
  app.get(
    '/api/dossiers/:type/:id/explain',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary:
          'Why each template of the dossier type did or did not act on this dossier, and what comes next',
        description:
          'Per template (or the one in `template`): the event (happened when, or awaited), each condition with its value and whether it held at the event and now, the due time step by step (weekends and holidays named), the reasons no action was made, and what happens next. Every item has a `code` and `params` for the UI, and `text` in the language of Accept-Language (nl or en; Dutch by default).',
        params: Type.Object({ type: Type.String(), id: Type.String() }),
        querystring: Type.Object({ template: Type.Optional(Type.String()) }),
        response: { 200: DossierExplanationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      const { template } = request.query;
      return werkflow.explain.explain(type, id, {
        ...(template !== undefined ? { templateId: template } : {}),
        lang: languageOf(request.headers['accept-language']),
      });
    },
  );
  app.get(
    '/api/processes/:process/map',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['templates'],
        summary: 'The process map: events → conditions → actions → follow-ups, with action counts per node',
        description:
          "Nodes (`event`, `conditions`, `action`, `reminder`, `creates`) and edges (`flow` within a template, `trigger` from one template's action to the event of another) of the templates whose process is `process`; action and reminder nodes count the actions created in [from, to) by status (default: the last 30 days). `mermaid` holds the same graph as Mermaid flowchart text. Labels follow Accept-Language (nl or en).",
        params: Type.Object({ process: Type.String() }),
        querystring: Type.Object({ from: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }),
        response: { 200: ProcessMapSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { process } = request.params;
      const { from, to } = request.query;
      return werkflow.graph.processMap(process, {
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        lang: languageOf(request.headers['accept-language']),
      });
    },
  );
}

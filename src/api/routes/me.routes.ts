import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { UI_LANGUAGES } from '../../services/user-preferences.service.js';
import { principalOf } from '../auth.hook.js';
import { actorOf } from '../request-context.js';
import { errorResponses } from '../schemas.js';

const PreferencesBody = Type.Object(
  {
    language: Type.Union([...UI_LANGUAGES.map((l) => Type.Literal(l)), Type.Null()], {
      description: 'The language of the UI (nl or en); null until you choose one',
    }),
  },
  { $id: 'UserPreferences' },
);

/** "Mijn instellingen": what every signed-in person sets for themselves (the UI's language). */
export function meRoutes(app: TypedApp, werkflow: Werkflow): void {
  const preferences = werkflow.preferences;
  app.addSchema(PreferencesBody);
  app.get(
    '/api/auth/me/preferences',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['auth'],
        summary: 'Your own settings: the language the UI opens in',
        response: { 200: Type.Ref('UserPreferences'), ...errorResponses },
      },
    },
    async (request) => preferences.get(principalOf(request).user.id),
  );
  app.put(
    '/api/auth/me/preferences',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['auth'],
        summary:
          'Save your own settings: the language the UI opens in, in every browser (a change of language is written to the audit log as user.language_changed)',
        body: PreferencesBody,
        response: { 200: Type.Ref('UserPreferences'), ...errorResponses },
      },
    },
    async (request) => preferences.save(principalOf(request).user.id, request.body, actorOf(request)),
  );
}

/**
 * The UI's API types (src/web/app/api-schema.d.ts) are generated from /api/openapi.json; this
 * regenerates them and fails when the committed file differs. Fix: `npm run api-types`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../src/web/api-types.js';

describe('generated API types of the web UI', () => {
  it('match the OpenAPI document the server publishes (run `npm run api-types` when this fails)', async () => {
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    const generated = await generateApiTypes();
    expect(generated === committed, 'src/web/app/api-schema.d.ts is out of date: run npm run api-types').toBe(
      true,
    );
    // The template definition has a real schema, not `unknown`.
    expect(committed).toMatch(/TemplateDefinition: \{/);
  });
});

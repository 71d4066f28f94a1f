import { type Static, Type } from '@sinclair/typebox';
import { type Dossier, isStorableText } from '../domain/dossier.js';
import { WerkflowError } from '../domain/errors.js';

/** Request and response schemas shared by routes; the OpenAPI document is generated from them. */

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, e.g. validation_failed, version_conflict.' }),
      message: Type.String({ description: 'What is wrong and what to do next.' }),
      path: Type.String({ description: 'Where in the request the problem is, e.g. data.email.' }),
      params: Type.Optional(
        Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
          description: 'The values in the message, to write it in another language by its code.',
        }),
      ),
      details: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.String(),
            message: Type.String(),
            code: Type.Optional(
              Type.String({
                description: 'A finer code for this problem, e.g. email_template.merge_field_invalid.',
              }),
            ),
            params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
          }),
        ),
      ),
    }),
  },
  { $id: 'ErrorBody' },
);

export const errorResponses = {
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  422: Type.Ref('ErrorBody'),
  428: Type.Ref('ErrorBody'),
};

export const LabelSchema = Type.Object({ nl: Type.String(), en: Type.String() });

export const DossierSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.String(), Type.Null()]),
    version: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    data: Type.Record(Type.String(), Type.Unknown()),
    title: Type.Optional(
      Type.String({
        description:
          'The dossier\'s readable title by its type\'s title rule ("Jan de Vries – VCA Basis 12 jan 2027"), in the Accept-Language.',
      }),
    ),
  },
  { $id: 'Dossier' },
);
export type DossierBody = Static<typeof DossierSchema>;

export function dossierBody(d: Dossier): DossierBody {
  return {
    id: d.id,
    type: d.type,
    externalId: d.externalId,
    status: d.status,
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
    data: d.data,
  };
}

export function pageOf<T>(items: T[], nextCursor: string | null) {
  return { items, nextCursor };
}

export const CursorQuery = {
  cursor: Type.Optional(Type.String({ description: 'Opaque cursor from the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
};

export function encodeCursor(value: string | number): string {
  return Buffer.from(String(value)).toString('base64url');
}

/**
 * The value of a cursor this API gave out. Anything else — text that is not base64url of what we
 * encode, or that decodes to a NUL (which PostgreSQL refuses to compare with) — is refused with a
 * 422, so a made-up cursor never reaches a query.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  // An empty cursor (`?cursor=`) is no cursor: the first page.
  if (cursor === undefined || cursor === '') return undefined;
  const value = Buffer.from(cursor, 'base64url').toString();
  if (encodeCursor(value) !== cursor || !isStorableText(value)) {
    throw new WerkflowError('validation_failed', 'This cursor is not valid: start again without it.', {
      path: 'query.cursor',
    });
  }
  return value;
}

/**
 * A cursor that holds a positive integer id (keyset paging on an autoincrement id), or none; `path`
 * names the parameter in the 422 for a cursor no row can have.
 */
export function decodeIdCursor(cursor: string | undefined, path = 'query.cursor'): number | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const id = Number(decoded);
  if (!(Number.isSafeInteger(id) && id > 0)) {
    throw new WerkflowError(
      'validation_failed',
      'The cursor is not one this API gave out; start again without it.',
      {
        path,
      },
    );
  }
  return id;
}

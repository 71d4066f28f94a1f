/**
 * Errors in the user's language. The API answers `{ error: { code, message, path?, params?,
 * details? } }`; the UI renders `code` (and the `code` of each detail, when the server gives one)
 * with its `params` through the dictionary (`err.<code>`), names the field by its label instead of
 * a path such as `effect.templateId`, and hands forms the message per field to highlight it.
 * English readers get the server's own sentence, which is that same code written out in English.
 */
import { Alert, List } from '@mantine/core';
import { ApiError, type ErrorDetail } from './api.js';
import { type I18n, isKey, useI18n } from './i18n.js';

/** Names a request path (`effect.templateId`) in words, or undefined when the form does not know it. */
export type FieldNamer = (path: string) => string | undefined;

function paramsOf(detail: ErrorDetail | ApiError, field: string): Record<string, string | number> {
  const out: Record<string, string | number> = { field };
  for (const [key, value] of Object.entries(detail.params ?? {}))
    out[key] = typeof value === 'number' ? value : Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}

/** One problem in words: a specific code when the dictionary has it, else the general one. */
function detailText(i18n: I18n, detail: ErrorDetail, code: string, name: FieldNamer): string {
  const field = (detail.path && name(detail.path)) || detail.path || '';
  if (i18n.lang === 'en' && detail.message) return detail.message;
  // The first the dictionary has: the detail's own code (when it says more than the error's), the
  // error's code naming the field, the error's code alone.
  const candidates = [
    detail.code && detail.code !== code ? `err.${detail.code}` : '',
    field ? `err.${code}.field` : '',
    `err.${code}`,
  ];
  for (const key of candidates) if (key && isKey(key)) return i18n.t(key, paramsOf(detail, field));
  return i18n.t('error.unexpected');
}

/** Every problem an error carries, in words. */
export function errorTexts(i18n: I18n, error: unknown, name: FieldNamer = () => undefined): string[] {
  if (!(error instanceof ApiError)) return [i18n.t('error.unexpected')];
  if (error.code === 'network') return [i18n.t('error.network')];
  if (error.code === 'http') return [i18n.t('error.http', { status: error.status })];
  const details = error.details.length > 0 ? error.details : [error];
  return details.map((d) => detailText(i18n, d, error.code, name));
}

/** The message per form field (by request path), for the form to highlight the field. */
export function fieldErrors(i18n: I18n, error: unknown, name: FieldNamer): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const d of error.details.length > 0 ? error.details : [error])
    if (d.path && name(d.path) !== undefined) out[d.path] ??= detailText(i18n, d, error.code, name);
  return out;
}

/** A red box with what went wrong, read out by screen readers (role="alert"). */
export function ErrorAlert({ error, name }: { error: unknown; name?: FieldNamer }) {
  const i18n = useI18n();
  if (!error) return null;
  const texts = errorTexts(i18n, error, name);
  return (
    <Alert
      color="red.9"
      // The light variant's title is a light red on pink: too little contrast (axe).
      styles={{ title: { color: 'var(--mantine-color-red-9)' } }}
      role="alert"
      data-testid="error"
      title={texts.length > 1 ? i18n.t('error.title') : undefined}
    >
      {texts.length === 1 ? (
        texts[0]
      ) : (
        <List size="sm">
          {texts.map((text, i) => (
            <List.Item key={i}>{text}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

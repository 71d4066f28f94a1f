import { analyzeSync } from 'liquidjs';
import type { DossierTypeCatalog } from '../../domain/dossier-type.js';
import type { ErrorDetail } from '../../domain/errors.js';
import type { EmailTemplate } from '../../store/email-template.repository.js';
import type { LiquidEngines, RenderMode } from './liquid-engine.js';
import { checkMergePath, type Segment } from './merge-fields.js';

/** The parts of an e-mail template a problem can point at. */
export type TemplatePart =
  'name' | 'rootType' | 'language' | 'subject' | 'htmlBody' | 'textBody' | 'mailboxId' | 'attachment';

/** One thing wrong with a template: where (part, line, column), which merge field, and what to do. */
export interface TemplateProblem {
  readonly part: TemplatePart;
  readonly line: number | null;
  readonly column: number | null;
  /** The merge field concerned (`opportunity.intake.contact.fristName`), when there is one. */
  readonly field: string | null;
  readonly message: string;
  /**
   * What is wrong, for a reader in another language: `merge_field_invalid`, `liquid_syntax`,
   * `unsafe_element`, … with the values the sentence needs in `params`.
   */
  readonly code: TemplateProblemCode;
  readonly params: Readonly<Record<string, string | number>>;
}

/** Every kind of template problem (the UI has a sentence for each, in Dutch and English). */
export type TemplateProblemCode =
  | 'name_missing'
  | 'name_too_long'
  | 'root_type_unknown'
  | 'language_invalid'
  | 'subject_empty'
  | 'subject_multiline'
  | 'subject_too_long'
  | 'body_empty'
  | 'body_too_long'
  | 'unsafe_script'
  | 'unsafe_javascript_link'
  | 'unsafe_element'
  | 'unsafe_event_attribute'
  | 'liquid_syntax'
  | 'filter_unknown'
  | 'filter_raw'
  | 'merge_field_invalid'
  | 'attachment_name'
  | 'attachment_content_type'
  | 'attachment_not_base64'
  | 'attachment_too_large'
  | 'mailbox_unknown';

/** What an administrator saves: a stored template without its identity and bookkeeping. */
export type EmailTemplateDraft = Omit<EmailTemplate, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** The longest HTML or plain-text body (characters) a template may have. */
export const MAX_BODY_CHARS = 512 * 1024;
/** The longest subject (characters). */
export const MAX_SUBJECT_CHARS = 1000;

/** Where a Liquid error is, and its message without Liquid's ", line:1, col:4" suffix. */
export function liquidErrorPosition(error: unknown): {
  line: number | null;
  column: number | null;
  message: string;
  code: 'liquid_syntax' | 'filter_unknown' | 'filter_raw' | 'merge_field_invalid';
  params: Record<string, string>;
} {
  const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const position = typeof e.token?.getPosition === 'function' ? e.token.getPosition() : null;
  let message = raw.replace(/, line:\d+, col:\d+$/, '');
  let code: 'liquid_syntax' | 'filter_unknown' | 'filter_raw' | 'merge_field_invalid' = 'liquid_syntax';
  let params: Record<string, string> = { detail: message };
  const undefinedVar = /^undefined variable: (.+)$/.exec(message);
  if (undefinedVar) {
    message = `the merge field "${undefinedVar[1]}" does not exist`;
    code = 'merge_field_invalid';
    params = { field: undefinedVar[1]! };
  }
  const undefinedFilter = /^undefined filter: (.+)$/.exec(message);
  if (undefinedFilter) {
    const raw = undefinedFilter[1] === 'raw';
    message = raw
      ? "the raw filter is not allowed: it would put a dossier's text into the mail as HTML. Values are always escaped."
      : `there is no filter "${undefinedFilter[1]}"`;
    code = raw ? 'filter_raw' : 'filter_unknown';
    params = { filter: undefinedFilter[1]! };
  }
  return { line: position?.[0] ?? null, column: position?.[1] ?? null, message, code, params };
}

/** "htmlBody, line 3, column 14: …" */
export function describeProblem(
  p: Pick<TemplateProblem, 'part' | 'line' | 'column' | 'message'> & { readonly field?: string | null },
): string {
  const where = p.line === null ? p.part : `${p.part}, line ${p.line}, column ${p.column ?? 1}`;
  return `${where}: ${p.message}`;
}

/** Problems as the error details of a validation error (`path` is the part). */
export function toErrorDetails(problems: readonly TemplateProblem[], prefix = ''): ErrorDetail[] {
  return problems.map((p) => ({
    path: prefix + p.part,
    message: describeProblem(p),
    code: `email_template.${p.code}`,
    params: { ...p.params, part: p.part, line: p.line ?? '', column: p.column ?? '' },
  }));
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Things an HTML body must not contain. Mail clients do not run scripts; a template that holds
 * one is a mistake or an attack, and refusing it keeps the promise that nothing is executed.
 * Every pattern here runs in linear time (no nested or overlapping repetition): the body is
 * user input. Event attributes are found by `findEventAttribute`, a scan of the tags.
 */
const UNSAFE_HTML: readonly { pattern: RegExp; message: string; code: TemplateProblemCode }[] = [
  {
    pattern: /<\s*script\b/i,
    message: 'remove the <script> element: e-mail clients do not run scripts.',
    code: 'unsafe_script',
  },
  {
    pattern: /\bjavascript\s*:/i,
    message: 'remove the javascript: link: e-mail clients do not run scripts.',
    code: 'unsafe_javascript_link',
  },
  {
    pattern: /<\s*(iframe|object|embed|form)\b/i,
    message: 'remove the <$1> element: e-mail clients block it.',
    code: 'unsafe_element',
  },
];

const EVENT_ATTRIBUTE_MESSAGE =
  'remove the event attribute (onclick, onload, …): e-mail clients do not run scripts.';

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/**
 * The offset of the first tag with an event attribute (`onclick=`, `onerror=`, …), or -1. One
 * pass over the source, reading tags as a browser does: a tag starts at `<` followed by a letter,
 * `!` or `/`, attributes are separated by white space or `/`, and a quoted value may hold `>`.
 * Linear in the length of the source whatever it holds.
 */
export function findEventAttribute(source: string): number {
  const n = source.length;
  let i = 0;
  while (i < n) {
    const start = source.indexOf('<', i);
    if (start === -1 || start + 1 >= n) return -1;
    if (!/[a-zA-Z!/]/.test(source[start + 1]!)) {
      i = start + 1;
      continue;
    }
    // The tag name.
    let j = start + 1;
    while (j < n && !isSpace(source[j]!) && source[j] !== '/' && source[j] !== '>') j++;
    if (j === start + 1 && source[j] === '/') j++; // `</name`
    while (j < n && !isSpace(source[j]!) && source[j] !== '/' && source[j] !== '>') j++;
    // The attributes, until `>` outside a quoted value.
    for (;;) {
      while (j < n && (isSpace(source[j]!) || source[j] === '/')) j++;
      if (j >= n) return -1;
      if (source[j] === '>') break;
      const nameStart = j;
      while (j < n && !isSpace(source[j]!) && source[j] !== '/' && source[j] !== '>' && source[j] !== '=')
        j++;
      // The first character of a name may be `=` (a parse error browsers accept).
      if (j === nameStart) j++;
      const name = source.slice(nameStart, j);
      let k = j;
      while (k < n && isSpace(source[k]!)) k++;
      const hasValue = source[k] === '=';
      if (/^on[a-z]+$/i.test(name) && hasValue) return start;
      if (!hasValue) continue;
      j = k + 1;
      while (j < n && isSpace(source[j]!)) j++;
      const quote = source[j];
      if (quote === '"' || quote === "'") {
        const close = source.indexOf(quote, j + 1);
        if (close === -1) return -1;
        j = close + 1;
      } else {
        while (j < n && !isSpace(source[j]!) && source[j] !== '>') j++;
      }
    }
    i = j + 1;
  }
  return -1;
}

function checkPart(
  part: 'subject' | 'htmlBody' | 'textBody',
  mode: RenderMode,
  source: string,
  draft: EmailTemplateDraft,
  catalog: DossierTypeCatalog,
  engines: LiquidEngines,
  problems: TemplateProblem[],
): void {
  if (part === 'htmlBody') {
    for (const rule of UNSAFE_HTML) {
      const m = rule.pattern.exec(source);
      if (m) {
        const at = lineColumn(source, m.index);
        const element = (m[1] ?? '').toLowerCase();
        problems.push({
          part,
          ...at,
          field: null,
          message: rule.message.replace('$1', element),
          code: rule.code,
          params: element ? { element } : {},
        });
      }
    }
    const event = findEventAttribute(source);
    if (event !== -1) {
      problems.push({
        part,
        ...lineColumn(source, event),
        field: null,
        message: EVENT_ATTRIBUTE_MESSAGE,
        code: 'unsafe_event_attribute',
        params: {},
      });
    }
  }
  let parsed;
  try {
    parsed = engines.parse(mode, source);
  } catch (error) {
    const at = liquidErrorPosition(error);
    problems.push({
      part,
      line: at.line,
      column: at.column,
      field: at.code === 'merge_field_invalid' ? (at.params.field ?? null) : null,
      message: `${at.message}.`.replace(/\.\.$/, '.'),
      code: at.code,
      params: at.params,
    });
    return;
  }
  const rootType = catalog.get(draft.rootType);
  if (!rootType) return;
  const analysis = analyzeSync(parsed.templates, { partials: false });
  for (const occurrences of Object.values(analysis.globals)) {
    for (const variable of occurrences) {
      const check = checkMergePath(variable.toArray() as Segment[], rootType, catalog);
      if (!check.ok) {
        problems.push({
          part,
          line: variable.location.row,
          column: variable.location.col,
          field: check.field,
          message: check.message,
          code: 'merge_field_invalid',
          params: { field: check.field },
        });
      }
    }
  }
}

const tooLong = (what: string) =>
  `The ${what} is longer than ${MAX_BODY_CHARS / 1024} KB (${MAX_BODY_CHARS.toLocaleString('en')} characters); shorten it, or link to a document instead.`;

/**
 * Checks a template before it is saved: the root dossier type exists, every part parses, every
 * merge field exists on the dossier types (with line, column and field name), and the HTML
 * holds nothing executable. Returns the problems, empty when the template is fine.
 */
export function validateEmailTemplate(
  draft: EmailTemplateDraft,
  catalog: DossierTypeCatalog,
  engines: LiquidEngines,
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (
    part: TemplatePart,
    message: string,
    code: TemplateProblemCode,
    params: Record<string, string | number> = {},
  ) => problems.push({ part, line: null, column: null, field: null, message, code, params });
  if (typeof draft.name !== 'string' || draft.name.trim() === '')
    at('name', 'Give the template a name.', 'name_missing');
  else if (draft.name.length > 200)
    at('name', 'The name is longer than 200 characters.', 'name_too_long', { max: 200 });
  if (!catalog.get(draft.rootType)) {
    const known = catalog
      .all()
      .map((t) => t.key)
      .join(', ');
    at(
      'rootType',
      `There is no dossier type "${draft.rootType}". Choose the type the template is about: ${known}.`,
      'root_type_unknown',
      { rootType: draft.rootType, known },
    );
  }
  if (draft.language !== 'nl' && draft.language !== 'en')
    at('language', 'The language must be "nl" or "en".', 'language_invalid');
  if (draft.subject.trim() === '') at('subject', 'The subject is empty.', 'subject_empty');
  else if (/[\r\n]/.test(draft.subject)) at('subject', 'The subject must be one line.', 'subject_multiline');
  else if (draft.subject.length > MAX_SUBJECT_CHARS)
    at(
      'subject',
      `The subject is longer than ${MAX_SUBJECT_CHARS.toLocaleString('en')} characters.`,
      'subject_too_long',
      { max: MAX_SUBJECT_CHARS },
    );
  else checkPart('subject', 'text', draft.subject, draft, catalog, engines, problems);
  const maxKb = { maxKb: MAX_BODY_CHARS / 1024 };
  if (draft.htmlBody.trim() === '') at('htmlBody', 'The message is empty.', 'body_empty');
  else if (draft.htmlBody.length > MAX_BODY_CHARS)
    at('htmlBody', tooLong('HTML body'), 'body_too_long', maxKb);
  else checkPart('htmlBody', 'html', draft.htmlBody, draft, catalog, engines, problems);
  if (draft.textBody !== null && draft.textBody.length > MAX_BODY_CHARS)
    at('textBody', tooLong('text body'), 'body_too_long', maxKb);
  else if (draft.textBody !== null && draft.textBody.trim() !== '') {
    checkPart('textBody', 'text', draft.textBody, draft, catalog, engines, problems);
  }
  if (draft.attachment) {
    const a = draft.attachment;
    if (!a.filename || /[\\/\r\n]/.test(a.filename) || a.filename.length > 200) {
      at(
        'attachment',
        'The attachment needs a file name without slashes, at most 200 characters.',
        'attachment_name',
      );
    }
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(a.contentType)) {
      at(
        'attachment',
        `"${a.contentType}" is not a content type such as application/pdf.`,
        'attachment_content_type',
        { contentType: a.contentType },
      );
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.contentBase64))
      at('attachment', 'The attachment content must be base64.', 'attachment_not_base64');
    else if ((a.contentBase64.length * 3) / 4 > MAX_ATTACHMENT_BYTES) {
      at(
        'attachment',
        `The attachment is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; link to the file instead.`,
        'attachment_too_large',
        { maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024 },
      );
    }
  }
  return problems;
}

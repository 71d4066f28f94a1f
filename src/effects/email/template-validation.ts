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
}

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
} {
  const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const position = typeof e.token?.getPosition === 'function' ? e.token.getPosition() : null;
  let message = raw.replace(/, line:\d+, col:\d+$/, '');
  const undefinedVar = /^undefined variable: (.+)$/.exec(message);
  if (undefinedVar) message = `the merge field "${undefinedVar[1]}" does not exist`;
  const undefinedFilter = /^undefined filter: (.+)$/.exec(message);
  if (undefinedFilter) {
    message =
      undefinedFilter[1] === 'raw'
        ? "the raw filter is not allowed: it would put a dossier's text into the mail as HTML. Values are always escaped."
        : `there is no filter "${undefinedFilter[1]}"`;
  }
  return { line: position?.[0] ?? null, column: position?.[1] ?? null, message };
}

/** "htmlBody, line 3, column 14: …" */
export function describeProblem(p: TemplateProblem): string {
  const where = p.line === null ? p.part : `${p.part}, line ${p.line}, column ${p.column ?? 1}`;
  return `${where}: ${p.message}`;
}

/** Problems as the error details of a validation error (`path` is the part). */
export function toErrorDetails(problems: readonly TemplateProblem[], prefix = ''): ErrorDetail[] {
  return problems.map((p) => ({ path: prefix + p.part, message: describeProblem(p) }));
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
const UNSAFE_HTML: readonly { pattern: RegExp; message: string }[] = [
  { pattern: /<\s*script\b/i, message: 'remove the <script> element: e-mail clients do not run scripts.' },
  {
    pattern: /\bjavascript\s*:/i,
    message: 'remove the javascript: link: e-mail clients do not run scripts.',
  },
  {
    pattern: /<\s*(iframe|object|embed|form)\b/i,
    message: 'remove the <$1> element: e-mail clients block it.',
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
        problems.push({
          part,
          ...at,
          field: null,
          message: rule.message.replace('$1', (m[1] ?? '').toLowerCase()),
        });
      }
    }
    const event = findEventAttribute(source);
    if (event !== -1) {
      problems.push({ part, ...lineColumn(source, event), field: null, message: EVENT_ATTRIBUTE_MESSAGE });
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
      field: null,
      message: `${at.message}.`.replace(/\.\.$/, '.'),
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
  const at = (part: TemplatePart, message: string) =>
    problems.push({ part, line: null, column: null, field: null, message });
  if (typeof draft.name !== 'string' || draft.name.trim() === '') at('name', 'Give the template a name.');
  else if (draft.name.length > 200) at('name', 'The name is longer than 200 characters.');
  if (!catalog.get(draft.rootType)) {
    const known = catalog
      .all()
      .map((t) => t.key)
      .join(', ');
    at(
      'rootType',
      `There is no dossier type "${draft.rootType}". Choose the type the template is about: ${known}.`,
    );
  }
  if (draft.language !== 'nl' && draft.language !== 'en')
    at('language', 'The language must be "nl" or "en".');
  if (draft.subject.trim() === '') at('subject', 'The subject is empty.');
  else if (/[\r\n]/.test(draft.subject)) at('subject', 'The subject must be one line.');
  else if (draft.subject.length > MAX_SUBJECT_CHARS)
    at('subject', `The subject is longer than ${MAX_SUBJECT_CHARS.toLocaleString('en')} characters.`);
  else checkPart('subject', 'text', draft.subject, draft, catalog, engines, problems);
  if (draft.htmlBody.trim() === '') at('htmlBody', 'The message is empty.');
  else if (draft.htmlBody.length > MAX_BODY_CHARS) at('htmlBody', tooLong('HTML body'));
  else checkPart('htmlBody', 'html', draft.htmlBody, draft, catalog, engines, problems);
  if (draft.textBody !== null && draft.textBody.length > MAX_BODY_CHARS) at('textBody', tooLong('text body'));
  else if (draft.textBody !== null && draft.textBody.trim() !== '') {
    checkPart('textBody', 'text', draft.textBody, draft, catalog, engines, problems);
  }
  if (draft.attachment) {
    const a = draft.attachment;
    if (!a.filename || /[\\/\r\n]/.test(a.filename) || a.filename.length > 200) {
      at('attachment', 'The attachment needs a file name without slashes, at most 200 characters.');
    }
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(a.contentType)) {
      at('attachment', `"${a.contentType}" is not a content type such as application/pdf.`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.contentBase64))
      at('attachment', 'The attachment content must be base64.');
    else if ((a.contentBase64.length * 3) / 4 > MAX_ATTACHMENT_BYTES) {
      at(
        'attachment',
        `The attachment is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; link to the file instead.`,
      );
    }
  }
  return problems;
}

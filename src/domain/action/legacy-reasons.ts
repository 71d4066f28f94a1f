import { DEFAULT_TIME_ZONE } from '../timing/holidays.js';
import { REASON_TEXTS, type Reason, type ReasonCode, reason, reasonText } from './reasons.js';

/**
 * Reasons written before migration 010 have only their English sentence. This reads such a
 * sentence back into a code with params where the sentence is one the engine writes (or wrote:
 * the same sentences, see `git log -S` on src/engine) and every value in it can be kept as it is
 * — a number, an address, a server's reply, a name. A sentence whose values are labels (a status,
 * a field, a dossier type: the English text holds only their English word) or that is not known
 * stays as it was, under `reason.legacy` ("(oude melding) …" / "(old message) …").
 */

/** Parameters whose value reads the same in both languages (numbers, names, the server's words). */
const VERBATIM = new Set([
  'attempt',
  'attempts',
  'hours',
  'version',
  'template',
  'mailbox',
  'reply',
  'url',
  'status',
  'body',
  'seconds',
  'detail',
  'address',
  'host',
  'keyId',
  'currentKeyId',
  'number',
  'limit',
  'worker',
]);

/** Codes that never came from an engine sentence, and the generic ones. */
const NOT_PARSED = new Set<ReasonCode>(['reason.text', 'reason.legacy']);

interface Pattern {
  readonly code: ReasonCode;
  readonly regex: RegExp;
  readonly names: readonly string[];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regular expression per code whose placeholders are all verbatim, most specific first. */
const PATTERNS: readonly Pattern[] = (Object.keys(REASON_TEXTS) as ReasonCode[])
  .filter((code) => !NOT_PARSED.has(code))
  .flatMap((code) => {
    const en: string = REASON_TEXTS[code].en;
    const names = [...en.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    if (!names.every((n) => VERBATIM.has(n))) return [];
    const seen = new Set<string>();
    const source = en
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!name) return escape(part);
        if (seen.has(name)) return `\\k<${name}>`;
        seen.add(name);
        return `(?<${name}>[\\s\\S]+?)`;
      })
      .join('');
    return [{ code, regex: new RegExp(`^${source}$`), names: [...seen] }];
  })
  // Longer fixed text first: "moved to version 3, re-timed" before "moved to version {version}".
  .sort((a, b) => b.regex.source.length - a.regex.source.length);

/**
 * Wordings the engine wrote before migration 010 that differ from its sentences now (found with
 * `git log -p -S'<fragment>' -- src`), each with how its values become the code's params. One row
 * a wording; test/store/migrations.test.ts has a row for each.
 */
const OLDER_WORDINGS: readonly { readonly regex: RegExp; readonly read: (m: RegExpExecArray) => Reason }[] = [
  // action.service: the new due time as an ISO instant (now a moment each reader writes out; the
  // zone it was meant in was not stored: the default calendar's).
  {
    regex: /^rescheduled to (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/,
    read: (m) =>
      reason('reason.rescheduled', {
        dueAt: { instant: new Date(m[1]!).toISOString(), timeZone: DEFAULT_TIME_ZONE },
      }),
  },
  // action-executor: the retry note with the effect's English message (now a label in both
  // languages: the message read back as a reason of its own for the Dutch side, as it was for English).
  {
    regex: /^attempt (\d+) failed, retrying: ([\s\S]+)$/,
    read: (m) =>
      reason('reason.retrying', {
        attempt: Number(m[1]),
        error: { nl: reasonText(legacyReason(m[2]!), 'nl'), en: m[2]! },
      }),
  },
];

/** The stored English sentence of a row written before codes, as a code with params. */
export function legacyReason(text: string): Reason {
  for (const w of OLDER_WORDINGS) {
    const m = w.regex.exec(text);
    if (m) return w.read(m);
  }
  for (const p of PATTERNS) {
    const m = p.regex.exec(text);
    if (!m) continue;
    const params: Record<string, string | number> = {};
    for (const name of p.names) {
      const value = m.groups![name]!;
      params[name] = /^\d+$/.test(value) && value.length < 16 ? Number(value) : value;
    }
    return reason(p.code, params);
  }
  return reason('reason.legacy', { text });
}

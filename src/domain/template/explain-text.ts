/**
 * The sentences of an explanation ("why did / didn't this template act on this dossier"), in
 * Dutch and English. The explanation itself is data — codes with values — so a UI can render it
 * through its own dictionary; these are the server's renderings of the same codes.
 */
import { DateTime } from 'luxon';
import type { DossierType } from '../dossier-type.js';
import { fieldOf } from '../dossier-type.js';
import { assertNever } from '../errors.js';
import type { TimingStep } from '../timing/explain-timing.js';
import { UNIT_WORDS } from '../timing/timing.js';
import type { TemplateEvent } from './action-template.js';
import { type Reason, reasonText } from '../action/reasons.js';

export type Lang = 'nl' | 'en';

/** A code with its values: what the API returns next to the sentence. */
export interface Coded {
  readonly code: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** What rendering needs besides the code: the language, the zone dates are shown in, labels. */
export interface TextContext {
  readonly lang: Lang;
  readonly timeZone: string;
  readonly type: DossierType | undefined;
  /** Template names by id, for chained events. */
  readonly templateName: (id: string) => string;
  /** Titles of referenced dossiers by id (loaded beforehand), so a sentence names a dossier, not its id. */
  readonly dossierTitle?: (id: string) => string | undefined;
}

/** The reader's language from an Accept-Language header: the preferred of nl and en; Dutch when neither is named. */
export function languageOf(header: string | undefined): Lang {
  if (!header) return 'nl';
  let best: { lang: Lang; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag = '', ...options] = part.trim().toLowerCase().split(';');
    const lang = tag.startsWith('nl') ? 'nl' : tag.startsWith('en') ? 'en' : undefined;
    if (!lang) continue;
    const qText = options.map((o) => o.trim()).find((o) => o.startsWith('q='));
    const q = qText === undefined ? 1 : Number(qText.slice(2));
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'nl';
}

/** An instant as "do 8 jan 2026 09:00" / "Thu 8 Jan 2026 09:00" in the organisation's zone. */
export function formatInstant(isoText: string, ctx: TextContext): string {
  return DateTime.fromISO(isoText, { zone: 'utc' })
    .setZone(ctx.timeZone)
    .setLocale(ctx.lang)
    .toFormat('ccc d LLL yyyy HH:mm');
}

/** A local date 'YYYY-MM-DD' as "za 10 jan" / "Sat 10 Jan". */
export function formatDate(date: string, ctx: TextContext, withYear = true): string {
  return DateTime.fromISO(date, { zone: 'utc' })
    .setLocale(ctx.lang)
    .toFormat(withYear ? 'ccc d LLL yyyy' : 'ccc d LLL');
}

function fieldLabel(key: string, ctx: TextContext): string {
  const field = ctx.type ? fieldOf(ctx.type, key) : undefined;
  return field?.label[ctx.lang] ?? key;
}

/** A category (an option of the type's category field) by its label: "Bellen", not "bellen". */
function categoryLabel(value: string, ctx: TextContext): string {
  const field = ctx.type?.categoryField && ctx.type ? fieldOf(ctx.type, ctx.type.categoryField) : undefined;
  return (field?.kind === 'enum' && field.options.find((o) => o.code === value)?.label[ctx.lang]) || value;
}

/** A date ('2027-01-12') or instant as words; other values as they are. */
function showDateValue(value: string, ctx: TextContext): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value, ctx);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value)))
    return formatInstant(value, ctx);
  return value;
}

function statusLabel(code: string, ctx: TextContext): string {
  return ctx.type?.statuses.find((s) => s.code === code)?.label[ctx.lang] ?? code;
}

/** An action status in words (the same words as the UI's). */
const ACTION_STATUS_WORDS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  nl: {
    waiting: 'wacht',
    pending: 'gepland',
    due: 'uit te voeren',
    running: 'bezig',
    done: 'gereed',
    failed: 'mislukt',
    cancelled: 'geannuleerd',
    expired: 'verlopen',
  },
  en: {
    waiting: 'waiting',
    pending: 'scheduled',
    due: 'due',
    running: 'running',
    done: 'done',
    failed: 'failed',
    cancelled: 'cancelled',
    expired: 'expired',
  },
};

function orList(items: readonly string[], lang: Lang): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${lang === 'nl' ? 'of' : 'or'} ${items[items.length - 1]}`;
}

function andList(items: readonly string[], lang: Lang): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${lang === 'nl' ? 'en' : 'and'} ${items[items.length - 1]}`;
}

function showValue(v: unknown, lang: Lang): string {
  if (v === null || v === undefined || v === '') return lang === 'nl' ? 'leeg' : 'empty';
  if (typeof v === 'boolean') return lang === 'nl' ? (v ? 'ja' : 'nee') : v ? 'yes' : 'no';
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

/** The ids of the dossiers an event names (a reference field changed from or to one of them). */
export function eventDossierIds(event: TemplateEvent, type: DossierType | undefined): string[] {
  if (event.type !== 'fieldChanged' || !type || fieldOf(type, event.field)?.kind !== 'reference') return [];
  return [event.from, event.to].filter((v): v is string => typeof v === 'string' && v !== '');
}

/** A template's event in words: "status gezet op Offerte aangevraagd", "created". */
export function describeEvent(event: TemplateEvent, ctx: TextContext): string {
  const nl = ctx.lang === 'nl';
  switch (event.type) {
    case 'created':
      return nl ? 'het dossier is aangemaakt' : 'the dossier was created';
    case 'deleted':
      return nl ? 'het dossier is verwijderd' : 'the dossier was deleted';
    case 'manual':
      return nl ? 'een medewerker start de template handmatig' : 'a person starts the template by hand';
    case 'fieldChanged': {
      let text = nl
        ? `${fieldLabel(event.field, ctx)} is gewijzigd`
        : `${fieldLabel(event.field, ctx)} changed`;
      const reference = ctx.type ? fieldOf(ctx.type, event.field)?.kind === 'reference' : false;
      const show = (v: unknown): string =>
        showValue(reference && typeof v === 'string' ? (ctx.dossierTitle?.(v) ?? v) : v, ctx.lang);
      if (event.from !== undefined) text += nl ? ` van ${show(event.from)}` : ` from ${show(event.from)}`;
      if (event.to !== undefined) text += nl ? ` naar ${show(event.to)}` : ` to ${show(event.to)}`;
      return text;
    }
    case 'statusSet': {
      const to = orList(
        event.to.map((s) => statusLabel(s, ctx)),
        ctx.lang,
      );
      const from = event.from
        ? orList(
            event.from.map((s) => statusLabel(s, ctx)),
            ctx.lang,
          )
        : undefined;
      return nl
        ? `de status is gezet op ${to}${from ? ` (vanuit ${from})` : ''}`
        : `the status was set to ${to}${from ? ` (from ${from})` : ''}`;
    }
    case 'dateReached':
      return nl
        ? `${fieldLabel(event.field, ctx)} is ingevuld (er wordt vanaf die datum gerekend)`
        : `${fieldLabel(event.field, ctx)} was filled in (counted from that date)`;
    case 'actionCompleted':
    case 'actionExpired': {
      const name = ctx.templateName(event.templateId);
      const done = event.type === 'actionCompleted';
      return nl
        ? `een actie van "${name}" is ${done ? 'afgerond' : 'verlopen'}`
        : `an action of "${name}" was ${done ? 'completed' : 'expired'}`;
    }
    default:
      return assertNever(event, 'template event');
  }
}

type Params = Readonly<Record<string, unknown>>;
const s = (p: Params, key: string): string => String(p[key] ?? '');
const list = (p: Params, key: string): string[] =>
  Array.isArray(p[key]) ? (p[key] as unknown[]).map(String) : [];
/** A value that is a stored reason (`{ code, params }`) in the reader's language; other values as text. */
const reasonValue = (value: unknown, lang: Lang): string =>
  typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
    ? reasonText(value as Reason, lang)
    : String(value ?? '');
/** A list of stored reasons (or older plain sentences), each in the reader's language. */
const reasonList = (p: Params, key: string, lang: Lang): string[] =>
  Array.isArray(p[key]) ? (p[key] as unknown[]).map((v) => reasonValue(v, lang)) : [];

/** The sentence of one code in the reader's language. */
export function sentence(item: Coded, ctx: TextContext): string {
  const p = item.params;
  const nl = ctx.lang === 'nl';
  const at = (key: string) => formatInstant(s(p, key), ctx);
  switch (item.code) {
    // The event
    case 'event.happened':
      return nl
        ? `De gebeurtenis vond plaats op ${at('at')}: ${s(p, 'event')}.`
        : `The event happened on ${at('at')}: ${s(p, 'event')}.`;
    case 'event.awaited':
      return nl
        ? `De template wacht op de gebeurtenis: ${s(p, 'event')}; dat is bij dit dossier nog niet gebeurd.`
        : `The template waits for its event: ${s(p, 'event')}; it has not happened for this dossier yet.`;
    case 'event.manual':
      return nl
        ? 'Deze template reageert niet op een gebeurtenis: een medewerker start hem handmatig op gekozen dossiers.'
        : 'This template reacts to no event: a person starts it by hand on chosen dossiers.';
    // Why no action
    case 'reason.notPublished':
      return nl
        ? 'De template is nog niet gepubliceerd: alleen een gepubliceerde versie maakt acties.'
        : 'The template has not been published: only a published version makes actions.';
    case 'reason.inactive':
      return nl
        ? 'De template staat uit (niet actief): hij maakt geen acties.'
        : 'The template is switched off (not active): it makes no actions.';
    case 'reason.notLiveAtEvent':
      return nl
        ? `De gebeurtenis (${at('eventAt')}) vond plaats vóór de eerste publicatie van de template (${at('publishedAt')}).`
        : `The event (${at('eventAt')}) came before the template was first published (${at('publishedAt')}).`;
    case 'reason.wrongCategory':
      return nl
        ? `Het dossier valt in categorie ${showValue(s(p, 'category') && categoryLabel(s(p, 'category'), ctx), 'nl')}, maar de template is alleen gekoppeld aan ${andList(
            list(p, 'linked').map((c) => categoryLabel(c, ctx)),
            'nl',
          )}.`
        : `The dossier is in category ${showValue(s(p, 'category') && categoryLabel(s(p, 'category'), ctx), 'en')}; the template is only linked to ${andList(
            list(p, 'linked').map((c) => categoryLabel(c, ctx)),
            'en',
          )}.`;
    case 'reason.outsideLinkedCategories':
      return nl
        ? `De actie is op ${at('at')} weggehaald: het dossier valt niet meer in een categorie die aan de template gekoppeld is.`
        : `The action was removed on ${at('at')}: the dossier is no longer in a category linked to the template.`;
    case 'reason.repeatOnceUsed':
      return nl
        ? `De template maakt maar één actie per dossier ("eenmalig") en die is er al: actie ${s(p, 'actionId')} van ${at('createdAt')} (${ACTION_STATUS_WORDS.nl[s(p, 'status')] ?? s(p, 'status')}).`
        : `The template makes one action per dossier ("once") and there already is one: action ${s(p, 'actionId')} of ${at('createdAt')} (${ACTION_STATUS_WORDS.en[s(p, 'status')] ?? s(p, 'status')}).`;
    case 'reason.conditionsFailed':
      return nl
        ? `Het dossier voldeed bij de gebeurtenis niet aan de voorwaarden: ${andList(list(p, 'failed'), 'nl')}.`
        : `The conditions did not hold at the event: ${andList(list(p, 'failed'), 'en')}.`;
    case 'reason.dossierDeleted':
      return nl ? `Het dossier is verwijderd op ${at('at')}.` : `The dossier was deleted on ${at('at')}.`;
    case 'reason.skippedTooLate':
      return nl
        ? `Actie ${s(p, 'actionId')} is overgeslagen: die werd pas meer dan ${s(p, 'hours')} uur na het geplande tijdstip opgepakt.`
        : `Action ${s(p, 'actionId')} was skipped: it was picked up more than ${s(p, 'hours')} hours after its due time.`;
    case 'reason.recipientWithoutAddress':
      return nl
        ? `De e-mail kan niet verstuurd worden: een ontvanger heeft geen e-mailadres (${reasonList(p, 'problems', 'nl').join(' ')}).`
        : `The e-mail cannot be sent: a recipient has no address (${reasonList(p, 'problems', 'en').join(' ')}).`;
    case 'reason.anchorEmpty':
      return nl
        ? `${fieldLabel(s(p, 'field'), ctx)} is leeg: er is geen datum om vanaf te rekenen.`
        : `${fieldLabel(s(p, 'field'), ctx)} is empty: there is no date to count from.`;
    case 'reason.cancelled':
      return nl
        ? `Actie ${s(p, 'actionId')} is geannuleerd op ${at('at')}: ${reasonValue(p.reason, 'nl')}.`
        : `Action ${s(p, 'actionId')} was cancelled on ${at('at')}: ${reasonValue(p.reason, 'en')}.`;
    case 'reason.failed':
      return nl
        ? `Actie ${s(p, 'actionId')} is mislukt: ${reasonValue(p.error, 'nl')}`
        : `Action ${s(p, 'actionId')} failed: ${reasonValue(p.error, 'en')}`;
    // What happens next
    case 'next.due': {
      const statuses = list(p, 'statuses').map((c) => statusLabel(c, ctx));
      const keep = statuses.length > 0 ? orList(statuses, ctx.lang) : '';
      return nl
        ? `Actie ${s(p, 'actionId')} is aan de beurt op ${at('at')}${keep ? ` als de status ${keep} blijft` : ''}.`
        : `Action ${s(p, 'actionId')} becomes due on ${at('at')}${keep ? ` if the status stays ${keep}` : ''}.`;
    }
    case 'next.overdue':
      return nl
        ? `Actie ${s(p, 'actionId')} is sinds ${at('at')} aan de beurt en wacht op een medewerker.`
        : `Action ${s(p, 'actionId')} has been due since ${at('at')} and waits for a person.`;
    case 'next.waiting':
      return nl
        ? `Actie ${s(p, 'actionId')} wacht tot het dossier aan de voorwaarden voldoet${list(p, 'failing').length ? `; nu nog niet: ${andList(list(p, 'failing'), 'nl')}` : ''}.`
        : `Action ${s(p, 'actionId')} waits until the conditions hold${list(p, 'failing').length ? `; not now: ${andList(list(p, 'failing'), 'en')}` : ''}.`;
    case 'next.running':
      return nl
        ? `Actie ${s(p, 'actionId')} wordt nu uitgevoerd.`
        : `Action ${s(p, 'actionId')} is being executed now.`;
    case 'next.onEvent':
      return nl
        ? `Er komt een actie zodra ${s(p, 'event')}${p.conditionsHoldNow === false ? ' en het dossier aan de voorwaarden voldoet' : ''}.`
        : `An action follows once ${s(p, 'event')}${p.conditionsHoldNow === false ? ' and the conditions hold' : ''}.`;
    case 'next.nothing':
      return nl
        ? 'Als er niets verandert, gebeurt er niets meer.'
        : 'If nothing changes, nothing more happens.';
    default:
      return timingSentence(item, ctx) ?? item.code;
  }
}

function timingSentence(item: Coded, ctx: TextContext): string | undefined {
  const step = item as TimingStep;
  const nl = ctx.lang === 'nl';
  switch (step.code) {
    case 'timing.anchorEvent':
      return nl
        ? `Gerekend vanaf de gebeurtenis: ${formatInstant(step.params.at, ctx)}.`
        : `Counted from the event: ${formatInstant(step.params.at, ctx)}.`;
    case 'timing.anchorField':
      return nl
        ? `Gerekend vanaf ${fieldLabel(step.params.field, ctx)}: ${showDateValue(step.params.value, ctx)}.`
        : `Counted from ${fieldLabel(step.params.field, ctx)}: ${showDateValue(step.params.value, ctx)}.`;
    case 'timing.anchorEmpty':
      return nl
        ? `${fieldLabel(step.params.field, ctx)} is leeg: geen tijdstip.`
        : `${fieldLabel(step.params.field, ctx)} is empty: no due time.`;
    case 'timing.offset': {
      const n = Math.abs(step.params.offset);
      const words = UNIT_WORDS[ctx.lang][step.params.unit];
      return `${step.params.offset < 0 ? '−' : '+'} ${n} ${n === 1 ? words[0] : words[1]}.`;
    }
    case 'timing.skippedWeekend': {
      const days = andList(
        step.params.dates.map((d) => formatDate(d, ctx, false)),
        ctx.lang,
      );
      const several = step.params.dates.length > 1;
      return nl
        ? `${days} ${several ? 'zijn weekend en tellen' : 'is weekend en telt'} niet mee.`
        : `${days} ${several ? 'are weekend and do not count' : 'is weekend and does not count'}.`;
    }
    case 'timing.skippedHoliday':
      return nl
        ? `${formatDate(step.params.date, ctx, false)} is ${step.params.nameNl} en telt niet mee.`
        : `${formatDate(step.params.date, ctx, false)} is ${step.params.nameEn} and does not count.`;
    case 'timing.atTime':
      return nl ? `Om ${step.params.time}.` : `At ${step.params.time}.`;
    case 'timing.due':
      return `→ ${formatInstant(step.params.at, ctx)}.`;
    default:
      return undefined;
  }
}

/**
 * Reasons written on actions (why cancelled, waiting, failed; the note of each history step) as a
 * code with parameters, so every reader gets them in their own language. The English sentence is
 * stored too, for integrators and older readers; the UI renders the code through its dictionary
 * (src/web/app/dictionary.ts takes these sentences as its `reason.*` keys). A parameter that is a
 * label is given in both languages (`{ nl, en }`); a moment as an instant (`{ instant, timeZone }`)
 * that each reader writes out in their language (the UI in the organisation's zone, server text in
 * the calendar zone it was written in); other parameters are plain text or numbers.
 */

export type ReasonLang = 'nl' | 'en';

/** A label in both languages, as dossier types, fields and statuses have them. */
export interface Label {
  readonly nl: string;
  readonly en: string;
}

/** A moment: the instant (ISO 8601) and the calendar's time zone when the reason was written. */
export interface InstantParam {
  readonly instant: string;
  readonly timeZone: string;
}

export type ReasonParam = string | number | Label | InstantParam;

export interface Reason {
  readonly code: ReasonCode;
  readonly params: Readonly<Record<string, ReasonParam>>;
}

type Params = Readonly<Record<string, ReasonParam>>;

/** The sentence of each code in both languages; `{name}` is filled from the params. */
export const REASON_TEXTS = {
  'reason.text': { en: '{text}', nl: '{text}' },
  'reason.stamped': { en: 'stamped', nl: 'aangemaakt' },
  'reason.waitingForConditions': {
    en: 'waiting until the conditions hold',
    nl: 'wacht tot de voorwaarden kloppen',
  },
  'reason.conditionsHoldAgain': { en: 'the conditions hold again', nl: 'de voorwaarden kloppen weer' },
  'reason.conditionsNoLongerHold': {
    en: 'the conditions of the template no longer hold',
    nl: 'de voorwaarden van het sjabloon kloppen niet meer',
  },
  'reason.statusNoLonger': { en: 'status is no longer {statuses}', nl: 'status is niet meer {statuses}' },
  'reason.referenceChanged': {
    en: 'the conditions of the template no longer hold after a change to the {dossierTypes}',
    nl: 'de voorwaarden van het sjabloon kloppen niet meer na een wijziging van {dossierTypes}',
  },
  'reason.conditionsFailedAtDue': {
    en: 'the conditions no longer held when it was due',
    nl: 'de voorwaarden klopten niet meer toen het aan de beurt was',
  },
  'reason.dossierDeleted': { en: 'the dossier was deleted', nl: 'het dossier is verwijderd' },
  'reason.rootGone': {
    en: 'the dossier it was planned for is gone',
    nl: 'het dossier waarvoor het gepland was bestaat niet meer',
  },
  'reason.dateMoved': {
    en: '{field} changed to {value}; planned again',
    nl: '{field} gewijzigd in {value}; opnieuw gepland',
  },
  'reason.referencedDateMoved': {
    en: '{field} of the {dossierType} changed to {value}; planned again',
    nl: '{field} van {dossierType} gewijzigd in {value}; opnieuw gepland',
  },
  'reason.movedAway': { en: 'moved to another {field}', nl: 'verplaatst naar een andere {field}' },
  'reason.unlinked': { en: 'no longer linked to a {field}', nl: 'niet meer gekoppeld aan een {field}' },
  'reason.withdrawn': { en: 'withdrawn: status set to {status}', nl: 'afgemeld: status gezet op {status}' },
  'reason.expired': {
    en: 'its end date passed before it was done',
    nl: 'de einddatum is verstreken voordat het gedaan was',
  },
  'reason.skippedLate': {
    en: 'skipped: it was more than {hours} hours late',
    nl: 'overgeslagen: het was meer dan {hours} uur te laat',
  },
  'reason.notInCategory': {
    en: 'the dossier is no longer in a category linked to the template',
    nl: 'het dossier valt niet meer in een categorie die aan het sjabloon gekoppeld is',
  },
  'reason.rescheduled': { en: 'rescheduled to {dueAt}', nl: 'verplaatst naar {dueAt}' },
  'reason.movedToVersion': { en: 'moved to version {version}', nl: 'overgezet naar versie {version}' },
  'reason.movedToVersionRetimed': {
    en: 'moved to version {version}, re-timed',
    nl: 'overgezet naar versie {version}, opnieuw gepland',
  },
  'reason.cancelledByPerson': { en: 'cancelled by a person', nl: 'geannuleerd door een medewerker' },
  'reason.markedDone': { en: 'marked done', nl: 'gereed gemeld' },
  'reason.executedByHand': { en: 'executed by hand', nl: 'met de hand uitgevoerd' },
  'reason.mailRefused': {
    en: 'The mail server refused the e-mail: {reply}',
    nl: 'De mailserver heeft de e-mail geweigerd: {reply}',
  },
  // Impact of a template change (the samples of a dry run; src/engine/impact.service.ts)
  'reason.impactCancelledAsChosen': {
    en: 'cancelled on {change} of the template, as chosen',
    nl: 'geannuleerd bij {change} van het sjabloon, zoals gekozen',
  },
  'reason.impactStaysOnVersion': { en: 'stays on version {version}', nl: 'blijft op versie {version}' },
  'reason.impactReminderStays': {
    en: 'a reminder stays on version {version}',
    nl: 'een herinnering blijft op versie {version}',
  },
  'reason.impactDossierGone': { en: 'the dossier is gone', nl: 'het dossier bestaat niet meer' },
  'reason.impactNotInNewCategories': {
    en: 'the dossier is not in a category the new version is linked to',
    nl: 'het dossier valt niet in een categorie die aan de nieuwe versie gekoppeld is',
  },
  'reason.impactNewConditionsFail': {
    en: 'the conditions of the new version do not hold',
    nl: 'de voorwaarden van de nieuwe versie kloppen niet',
  },
  'reason.impactMovedRetimed': {
    en: 'moved to version {version} with a new due time',
    nl: 'overgezet naar versie {version} met een nieuw tijdstip',
  },
  'reason.impactMovedSameTime': {
    en: 'moved to version {version}; due time unchanged',
    nl: 'overgezet naar versie {version}; tijdstip blijft gelijk',
  },
  'reason.impactMeetsNewVersion': {
    en: 'meets the new version now and not the old one: gets an action at its next event',
    nl: 'voldoet nu aan de nieuwe versie en niet aan de oude: krijgt een actie bij de volgende gebeurtenis',
  },
  'reason.impactMeetsTemplate': {
    en: 'meets the template now: gets an action at its next event',
    nl: 'voldoet nu aan het sjabloon: krijgt een actie bij de volgende gebeurtenis',
  },
  'reason.impactOutsideKept': {
    en: 'outside the linked categories; kept, as chosen',
    nl: 'buiten de gekoppelde categorieën; blijft staan, zoals gekozen',
  },
  'reason.impactStaysAsPlanned': { en: 'stays as planned', nl: 'blijft zoals gepland' },
  'reason.impactStampedNow': {
    en: 'in a linked category and meets the conditions: an action is made now',
    nl: 'in een gekoppelde categorie en voldoet aan de voorwaarden: er wordt nu een actie gemaakt',
  },
  'reason.retrying': {
    en: 'attempt {attempt} failed, retrying: {error}',
    nl: 'poging {attempt} mislukt, wordt opnieuw geprobeerd: {error}',
  },
  'reason.templateVersionGone': {
    en: 'Template version {version} of {template} is gone.',
    nl: 'Versie {version} van sjabloon {template} bestaat niet meer.',
  },
  'reason.webhookRefused': {
    en: 'The webhook {url} answered {status}: {body}. It will be retried.',
    nl: 'De webhook {url} antwoordde {status}: {body}. Er wordt opnieuw geprobeerd.',
  },
  'reason.webhookStatus': {
    en: 'The webhook {url} answered {status}. It will be retried.',
    nl: 'De webhook {url} antwoordde {status}. Er wordt opnieuw geprobeerd.',
  },
  'reason.webhookAddressRefused': {
    en: 'The webhook {url} resolves to the internal address {address}; an administrator can allow the host "{host}" under the webhook settings.',
    nl: 'De webhook {url} wijst naar het interne adres {address}; een beheerder kan de host "{host}" toestaan bij de webhookinstellingen.',
  },
  'reason.webhookNotHttp': {
    en: 'The webhook {url} is not an http(s) address.',
    nl: 'De webhook {url} is geen http(s)-adres.',
  },
  'reason.webhookTimeout': {
    en: 'The webhook {url} did not answer within {seconds} s. It will be retried.',
    nl: 'De webhook {url} antwoordde niet binnen {seconds} s. Er wordt opnieuw geprobeerd.',
  },
  'reason.webhookUnreachable': {
    en: 'The webhook {url} could not be reached: {detail}. It will be retried.',
    nl: 'De webhook {url} was niet bereikbaar: {detail}. Er wordt opnieuw geprobeerd.',
  },
  'reason.emailNotSetUp': {
    en: 'E-mail is not set up in this Werkflow: add a mailbox under Settings → Mailboxes.',
    nl: 'E-mail is niet ingesteld in deze Werkflow: voeg een mailbox toe onder Instellingen → Mailboxen.',
  },
  'reason.mailboxGone': {
    en: 'The mailbox "{mailbox}" chosen for e-mail template "{template}" no longer exists. Choose another under E-mail templates, or add the mailbox again.',
    nl: 'De mailbox "{mailbox}" die voor e-mailsjabloon "{template}" gekozen is, bestaat niet meer. Kies een andere bij E-mailsjablonen, of voeg de mailbox opnieuw toe.',
  },
  'reason.noMailbox': {
    en: 'No mailbox is configured, so this e-mail cannot be sent. Add one under Settings → Mailboxes.',
    nl: 'Er is geen mailbox ingesteld, dus deze e-mail kan niet verstuurd worden. Voeg er een toe onder Instellingen → Mailboxen.',
  },
  'reason.noDefaultMailbox': {
    en: 'No default mailbox is set, and none is chosen for this template or category. Mark a mailbox as default under Settings → Mailboxes.',
    nl: 'Er is geen standaardmailbox en er is er geen gekozen voor dit sjabloon of deze categorie. Maak een mailbox standaard onder Instellingen → Mailboxen.',
  },
  'reason.emailTemplateGone': {
    en: 'The e-mail template "{template}" no longer exists, so nothing was sent. Choose another template in the action template.',
    nl: 'Het e-mailsjabloon "{template}" bestaat niet meer, dus er is niets verstuurd. Kies een ander sjabloon in het actiesjabloon.',
  },
  'reason.emailTemplateWrongType': {
    en: 'The e-mail template "{template}" is written for {written}, but this dossier is a {dossierType}. Choose a template for {dossierType}.',
    nl: 'Het e-mailsjabloon "{template}" is geschreven voor {written}, maar dit dossier is een {dossierType}. Kies een sjabloon voor {dossierType}.',
  },
  'reason.recipientsMissing': {
    en: 'The e-mail "{template}" for the {dossierType} "{dossier}" was not sent: {problems}',
    nl: 'De e-mail "{template}" voor {dossierType} "{dossier}" is niet verstuurd: {problems}',
  },
  'reason.emailTemplateUnfillable': {
    en: 'The e-mail template "{template}" cannot be filled in for this dossier ({problem}). Correct the template and try again.',
    nl: 'Het e-mailsjabloon "{template}" kan voor dit dossier niet ingevuld worden ({problem}). Verbeter het sjabloon en probeer het opnieuw.',
  },
  'reason.mailAuthRefused': {
    en: "The mail server refused the mailbox's user name or password: {reply}",
    nl: 'De mailserver heeft de gebruikersnaam of het wachtwoord van de mailbox geweigerd: {reply}',
  },
  'reason.mailUnreachable': {
    en: 'The mail server could not be reached ({reply}); the message is sent again.',
    nl: 'De mailserver was niet bereikbaar ({reply}); het bericht wordt opnieuw verstuurd.',
  },
  'reason.mailConnectionLost': {
    en: 'The connection to the mail server was lost while this message was being sent, so the server may or may not have accepted it ({reply}).',
    nl: 'De verbinding met de mailserver viel weg terwijl dit bericht verstuurd werd; de server heeft het misschien wel, misschien niet ontvangen ({reply}).',
  },
  'reason.mailGaveUp': {
    en: 'Gave up after {attempts} attempts. Last answer: {reply}',
    nl: 'Opgegeven na {attempts} pogingen. Laatste antwoord: {reply}',
  },
  'reason.mailboxDeleted': {
    en: 'The mailbox this message was to be sent from ({mailbox}) was deleted. Add it again, or dismiss this message.',
    nl: 'De mailbox waarvan dit bericht verstuurd zou worden ({mailbox}) is verwijderd. Voeg hem opnieuw toe, of leg dit bericht weg.',
  },
  'reason.mailStoppedInDoubt': {
    en: 'Werkflow stopped while this message was being sent; the SMTP server may or may not have accepted it.',
    nl: 'Werkflow stopte terwijl dit bericht verstuurd werd; de SMTP-server heeft het misschien wel, misschien niet ontvangen.',
  },
  'reason.mailStoppedRequeued': {
    en: 'Werkflow stopped before this message was handed to the SMTP server; it is sent again.',
    nl: 'Werkflow stopte voordat dit bericht aan de SMTP-server gegeven was; het wordt opnieuw verstuurd.',
  },
} as const satisfies Record<string, Label>;

export type ReasonCode = keyof typeof REASON_TEXTS;

export function isReasonCode(code: string): code is ReasonCode {
  return Object.prototype.hasOwnProperty.call(REASON_TEXTS, code);
}

/** A moment as a parameter, for the reader to write out (stored as its instant, not as words). */
export function instantParam(instant: number, timeZone: string): InstantParam {
  return { instant: new Date(instant).toISOString(), timeZone };
}

/** A moment's date and time in a time zone, written the Dutch or the English way. */
export function momentText(instant: string, timeZone: string, lang: ReasonLang): string {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) return instant;
  return new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(at);
}

/** Whether a parameter is a moment (rows written before instants hold a `{ nl, en }` label instead). */
export function isInstantParam(value: unknown): value is InstantParam {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { instant?: unknown }).instant === 'string' &&
    typeof (value as { timeZone?: unknown }).timeZone === 'string'
  );
}

/** A reason with its parameters. */
export function reason(code: ReasonCode, params: Params = {}): Reason {
  return { code, params };
}

/** A sentence that has no code of its own (a person's words, a row written before codes): kept as text. */
export function textReason(text: string): Reason {
  return { code: 'reason.text', params: { text } };
}

function paramText(value: ReasonParam | undefined, lang: ReasonLang): string {
  if (value === undefined) return '';
  if (isInstantParam(value)) return momentText(value.instant, value.timeZone, lang);
  return typeof value === 'object' ? value[lang] : String(value);
}

/** The sentence of a reason in a language; an unknown code reads as its `text` parameter or the code. */
export function reasonText(r: { code: string; params: Params }, lang: ReasonLang = 'en'): string {
  if (!isReasonCode(r.code)) return paramText(r.params.text, lang) || r.code;
  return REASON_TEXTS[r.code][lang].replace(/\{(\w+)\}/g, (_, name: string) =>
    paramText(r.params[name], lang),
  );
}

/** A coded reason as the API gives it: code, params, and the sentence in the reader's language. */
export function readerReason(r: Reason | null | undefined, lang: ReasonLang) {
  return r ? { code: r.code, params: r.params, text: reasonText(r, lang) } : null;
}

/** A reason as stored (text, and code and params since migration 010); text-only rows get `reason.text`. */
export function storedReason(code: string | null, params: unknown, text: string | null): Reason | null {
  if (code !== null && isReasonCode(code)) {
    return { code, params: (params && typeof params === 'object' ? params : {}) as Params };
  }
  return text === null ? null : textReason(text);
}

/** A list of labels joined with "or" / "of". */
export function orLabels(labels: readonly Label[]): Label {
  return {
    nl: labels.map((l) => l.nl).join(' of '),
    en: labels.map((l) => l.en).join(' or '),
  };
}

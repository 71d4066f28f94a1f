/**
 * Reasons written on actions (why cancelled, waiting, failed; the note of each history step) as a
 * code with parameters, so every reader gets them in their own language. The English sentence is
 * stored too, for integrators and older readers; the UI renders the code through its dictionary
 * (src/web/app/dictionary.ts takes these sentences as its `reason.*` keys). A parameter that is a
 * label is given in both languages (`{ nl, en }`); a moment as an instant (`{ instant, timeZone }`)
 * that each reader writes out in their language (the UI in the organisation's zone, server text in
 * the calendar zone it was written in); a list of reasons (the problems of several recipient rules)
 * is an array of `{ code, params }`; other parameters are plain text or numbers.
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

/**
 * A value in a reason's sentence: plain text or a number, a label in both languages, a moment, or
 * a list of reasons (a rule's problems), written as their sentences one after another.
 */
export type ReasonParam = string | number | Label | InstantParam | readonly Reason[];

export interface Reason {
  readonly code: ReasonCode;
  readonly params: Readonly<Record<string, ReasonParam>>;
}

type Params = Readonly<Record<string, ReasonParam>>;

/** The sentence of each code in both languages; `{name}` is filled from the params. */
export const REASON_TEXTS = {
  'reason.text': { en: '{text}', nl: '{text}' },
  'reason.legacy': { en: '(old message) {text}', nl: '(oude melding) {text}' },
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
  'reason.workerStopped': {
    en: 'worker {worker} stopped before finishing; will run again',
    nl: 'verwerker {worker} stopte voordat de actie klaar was; ze wordt opnieuw uitgevoerd',
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
  'reason.mailDelivered': { en: 'the e-mail was delivered', nl: 'de e-mail is afgeleverd' },
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
  // The problems of one recipient rule (src/effects/email/recipients.ts), listed in `{problems}`.
  // `{what}` names a dossier ("the contact "Jan"" / "contact "Jan""), `{field}` a field key.
  'reason.recipient.fieldNoAddress': {
    en: '{what} has no e-mail address in "{field}". Fill in {field} of {title}, or change who receives this e-mail.',
    nl: 'Bij {what} is geen e-mailadres ingevuld in "{field}". Vul {field} van {title} in, of wijzig wie deze e-mail ontvangt.',
  },
  'reason.recipient.referenceEmpty': {
    en: '{what} has no {fieldLabel} ("{field}"), so "{path}" leads nowhere. Link one, or change who receives this e-mail.',
    nl: 'Bij {what} is geen {fieldLabel} ("{field}") gekoppeld, dus "{path}" leidt nergens heen. Koppel er een, of wijzig wie deze e-mail ontvangt.',
  },
  'reason.recipient.referenceGone': {
    en: '"{field}" of {what} refers to a dossier that no longer exists.',
    nl: '"{field}" van {what} verwijst naar een dossier dat niet meer bestaat.',
  },
  'reason.recipient.pathEmpty': { en: '"{path}" is empty.', nl: '"{path}" is leeg.' },
  'reason.recipient.noResponsibleUser': {
    en: '{what} has no responsible user. Assign one, or change who receives this e-mail.',
    nl: 'Bij {what} is geen verantwoordelijke gebruiker ingevuld. Wijs er een toe, of wijzig wie deze e-mail ontvangt.',
  },
  'reason.recipient.noUser': {
    en: '{what} has no user in "{field}". Assign one, or change who receives this e-mail.',
    nl: 'Bij {what} is geen gebruiker ingevuld in "{field}". Wijs er een toe, of wijzig wie deze e-mail ontvangt.',
  },
  'reason.recipient.userGone': {
    en: 'The user "{id}" in "{field}" of {what} no longer exists.',
    nl: 'De gebruiker "{id}" in "{field}" van {what} bestaat niet meer.',
  },
  'reason.recipient.userNoAddress': {
    en: '{user} has no e-mail address. Add one under Settings → Users.',
    nl: '{user} heeft geen e-mailadres. Voeg er een toe onder Instellingen → Gebruikers.',
  },
  'reason.recipient.noTeam': {
    en: '{what} has no team in "{field}". Assign one, or change who receives this e-mail.',
    nl: 'Bij {what} is geen team ingevuld in "{field}". Wijs er een toe, of wijzig wie deze e-mail ontvangt.',
  },
  'reason.recipient.teamGone': {
    en: 'The team "{id}" in "{field}" of {what} no longer exists.',
    nl: 'Het team "{id}" in "{field}" van {what} bestaat niet meer.',
  },
  'reason.recipient.teamNoAddress': {
    en: 'The team "{team}" has no active member with an e-mail address. Add one under Settings → Teams.',
    nl: 'Het team "{team}" heeft geen actief lid met een e-mailadres. Voeg er een toe onder Instellingen → Teams.',
  },
  'reason.recipient.noAlternative': {
    en: 'None of the {count} alternatives has an address: {problems}',
    nl: 'Geen van de {count} alternatieven heeft een adres: {problems}',
  },
  'reason.recipient.invalidAddress': {
    en: '"{address}" is not a valid e-mail address; correct it in the dossier.',
    nl: '"{address}" is geen geldig e-mailadres; verbeter het in het dossier.',
  },
  'reason.recipient.blockedDomain': {
    en: '{address} is at a blocked domain ({domain}); mail to it is refused. Change the address, or remove {domain} from the blocked domains under Settings → E-mail.',
    nl: '{address} valt onder een geblokkeerd domein ({domain}); mail daarheen wordt geweigerd. Wijzig het adres, of haal {domain} weg bij de geblokkeerde domeinen onder Instellingen → E-mail.',
  },
  'reason.recipient.none': { en: 'it has no recipients.', nl: 'er zijn geen ontvangers.' },
  'reason.recipientNotes': {
    en: 'Sent; not every recipient rule yielded an address: {problems}',
    nl: 'Verstuurd; niet elke ontvangersregel leverde een adres op: {problems}',
  },
  // Why an e-mail template cannot be filled in for a dossier (`{problem}` of emailTemplateUnfillable).
  'reason.templateProblem.merge_field_invalid': {
    en: '{where}: the merge field "{field}" does not exist',
    nl: '{where}: het samenvoegveld "{field}" bestaat niet',
  },
  'reason.templateProblem.filter_unknown': {
    en: '{where}: there is no filter "{filter}"',
    nl: '{where}: het filter "{filter}" bestaat niet',
  },
  'reason.templateProblem.filter_raw': {
    en: "{where}: the raw filter is not allowed: it would put a dossier's text into the mail as HTML. Values are always escaped.",
    nl: '{where}: het filter raw mag niet: het zou tekst uit het dossier als HTML in de mail zetten. Waarden worden altijd veilig gemaakt.',
  },
  'reason.templateProblem.liquid_syntax': {
    en: '{where}: {detail}',
    nl: '{where}: deze opmaak klopt niet (de sjabloontaal meldt: {detail})',
  },
  // Errors of other effects and of the engine.
  'reason.noTaskType': {
    en: 'There is no dossier type "task" to create the task in.',
    nl: 'Er is geen datagroep "task" om de taak in aan te maken.',
  },
  'reason.taskNotCreated': {
    en: 'The task could not be created: {detail}',
    nl: 'De taak kon niet aangemaakt worden: {detail}',
  },
  'reason.chainTooDeep': {
    en: 'Stopped: this action is number {number} in a chain of actions that start each other, and "{template}" allows at most {limit} ({source}). Check the templates for a loop.',
    nl: 'Gestopt: deze actie is nummer {number} in een keten van acties die elkaar starten, en "{template}" staat er hoogstens {limit} toe ({source}). Controleer de sjablonen op een lus.',
  },
  'reason.secretKeyTooShort': {
    en: 'WERKFLOW_SECRET_KEY is too short. Use 64 hex characters (openssl rand -hex 32) or a passphrase of at least 16 characters.',
    nl: 'WERKFLOW_SECRET_KEY is te kort. Gebruik 64 hexadecimale tekens (openssl rand -hex 32) of een wachtzin van minstens 16 tekens.',
  },
  'reason.secretKeyMissing': {
    en: 'Mailbox passwords are stored encrypted, and no secret key is configured. Set WERKFLOW_SECRET_KEY to 64 hex characters (generate one with: openssl rand -hex 32) and restart Werkflow.',
    nl: 'Mailboxwachtwoorden worden versleuteld bewaard, en er is geen geheime sleutel ingesteld. Zet WERKFLOW_SECRET_KEY op 64 hexadecimale tekens (maak er een met: openssl rand -hex 32) en start Werkflow opnieuw.',
  },
  'reason.mailboxPasswordDamaged': {
    en: 'A stored mailbox password is damaged; enter the password again.',
    nl: 'Een bewaard mailboxwachtwoord is beschadigd; voer het wachtwoord opnieuw in.',
  },
  'reason.mailboxPasswordOtherKey': {
    en: 'This mailbox password was stored with another secret key (key {keyId}, current {currentKeyId}). Set WERKFLOW_SECRET_KEY back to that key, or enter the mailbox password again.',
    nl: 'Dit mailboxwachtwoord is bewaard met een andere geheime sleutel (sleutel {keyId}, nu {currentKeyId}). Zet WERKFLOW_SECRET_KEY terug op die sleutel, of voer het mailboxwachtwoord opnieuw in.',
  },
  'reason.mailboxPasswordUndecryptable': {
    en: 'A stored mailbox password could not be decrypted; enter it again.',
    nl: 'Een bewaard mailboxwachtwoord kon niet ontsleuteld worden; voer het opnieuw in.',
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
  if (isReasonList(value)) return value.map((r) => reasonText(r, lang)).join(' ');
  if (isInstantParam(value)) return momentText(value.instant, value.timeZone, lang);
  return typeof value === 'object' ? value[lang] : String(value);
}

function isReasonList(value: ReasonParam): value is readonly Reason[] {
  return Array.isArray(value);
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

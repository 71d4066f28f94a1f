/**
 * Every string the UI shows, in Dutch (the default) and English, and the formatting of dates in
 * the organisation's time zone. The chosen language is remembered in localStorage.
 */

export type Lang = 'nl' | 'en';

/** A label as the API gives them: `{ nl, en }`. */
export interface Label {
  readonly nl: string;
  readonly en: string;
}

const nl = {
  'app.title': 'Werkflow',
  'app.skip': 'Naar de inhoud',
  'lang.switch': 'Taal',
  'lang.nl': 'Nederlands',
  'lang.en': 'English',
  busy: 'Bezig…',
  loading: 'Laden…',
  yes: 'Ja',
  no: 'Nee',
  none: '—',
  close: 'Sluiten',
  back: 'Terug',
  save: 'Opslaan',
  cancel: 'Annuleren',
  refresh: 'Vernieuwen',
  more: 'Meer laden',
  empty: 'Niets gevonden.',
  'error.network': 'De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.',
  'error.http': 'De server antwoordde met fout {status}.',
  'error.unexpected': 'Er ging iets mis. Probeer het opnieuw.',
  'error.notFound': 'Deze pagina bestaat niet.',
  'error.path': 'bij {path}',

  'nav.label': 'Hoofdmenu',
  'nav.actions': 'Mijn acties',
  'nav.workflows': 'Workflows',
  'nav.templates': 'Actie-templates',
  'nav.dossiers': 'Dossiers',
  'nav.mail': 'Mailviewer',
  'user.logout': 'Uitloggen',
  'user.signedInAs': 'Ingelogd als {name}',

  'login.title': 'Inloggen',
  'login.intro': 'Log in met je e-mailadres en wachtwoord.',
  'reset.title': 'Nieuw wachtwoord',
  'reset.intro': 'Kies een nieuw wachtwoord van minstens 12 tekens. Daarna log je ermee in.',
  'reset.password': 'Nieuw wachtwoord',
  'reset.submit': 'Wachtwoord opslaan',
  'login.email': 'E-mailadres',
  'login.password': 'Wachtwoord',
  'login.submit': 'Inloggen',

  'sandbox.banner': 'Sandbox: klok staat op {time}',
  'sandbox.day': '+1 dag',
  'sandbox.week': '+1 week',
  'sandbox.done': '{executed} acties uitgevoerd, {due} klaargezet.',

  'actions.title': 'Mijn acties',
  'actions.filter': 'Toon',
  'actions.filter.mine': 'Mijn acties',
  'actions.filter.overdue': 'Te laat',
  'actions.filter.failed': 'Mislukt',
  'actions.filter.all': 'Alle',
  'actions.col.title': 'Actie',
  'actions.col.dossier': 'Dossier',
  'actions.col.due': 'Uiterlijk',
  'actions.col.status': 'Status',
  'actions.col.mode': 'Uitvoering',
  'actions.col.do': 'Doen',
  'actions.empty': 'Geen acties in deze lijst.',
  'actions.execute': 'Uitvoeren',
  'actions.executeAgain': 'Opnieuw uitvoeren',
  'actions.markDone': 'Gereed melden',
  'actions.reschedule': 'Verplaatsen',
  'actions.cancelAction': 'Annuleren',
  'actions.details': 'Details',
  'actions.preview.title': 'Voorbeeld: wat uitvoeren doet',
  'actions.preview.subject': 'Onderwerp',
  'actions.preview.to': 'Aan',
  'actions.preview.cc': 'Cc',
  'actions.preview.effect': 'Effect',
  'actions.preview.confirm': 'Nu uitvoeren',
  'actions.preview.frame': 'Inhoud van de e-mail',
  'actions.reschedule.title': 'Actie verplaatsen',
  'actions.reschedule.when': 'Nieuwe datum en tijd (Europe/Amsterdam)',
  'actions.cancel.title': 'Actie annuleren',
  'actions.cancel.reason': 'Reden (optioneel)',
  'actions.cancel.confirm': 'Actie annuleren',
  'actions.done.note': 'Notitie (optioneel)',
  'actions.done.title': 'Actie gereed melden',
  'actions.error': 'Foutmelding',
  'actions.detail.title': 'Actie',
  'actions.detail.history': 'Geschiedenis',
  'actions.detail.when': 'Wanneer',
  'actions.detail.who': 'Door',
  'actions.detail.change': 'Van → naar',
  'actions.detail.note': 'Notitie',
  'actions.detail.process': 'Proces',
  'actions.detail.priority': 'Prioriteit',
  'actions.detail.attempts': 'Pogingen',
  'actions.detail.created': 'Aangemaakt',
  'actions.detail.completed': 'Afgerond',
  'actions.detail.template': 'Template',
  'actions.result': 'Resultaat: {status}',

  'status.waiting': 'Wacht',
  'status.pending': 'Gepland',
  'status.due': 'Uit te voeren',
  'status.running': 'Bezig',
  'status.done': 'Gereed',
  'status.failed': 'Mislukt',
  'status.cancelled': 'Geannuleerd',
  'status.expired': 'Verlopen',
  'reason.waiting until the conditions hold': 'wacht tot de voorwaarden kloppen',

  'mode.manual': 'Handmatig',
  'mode.semiAutomatic': 'Halfautomatisch',
  'mode.automatic': 'Automatisch',

  'workflows.title': 'Workflows (Econobis)',
  'workflows.statuses': 'Statussen van kansen en kansacties',
  'workflows.statuses.intro':
    'Kies een regel om in te stellen welke e-mail na een statuswijziging verstuurd wordt.',
  'workflows.col.description': 'Omschrijving',
  'workflows.col.active': 'Actief',
  'workflows.col.reminder': 'Verstuur herinnering',
  'workflows.form.title': 'Workflow: {description}',
  'workflows.form.active': 'Actief',
  'workflows.form.template': 'E-mailtemplate',
  'workflows.form.chooseTemplate': '— kies een template —',
  'workflows.form.days': 'Na hoeveel dagen versturen',
  'workflows.form.reminder': 'Verstuur herinnering',
  'workflows.form.reminderDays': 'Herinnering na hoeveel dagen',
  'workflows.form.recipients': 'Ontvangers',
  'workflows.form.resident': 'Bewoner',
  'workflows.form.coach': 'Coach',
  'workflows.form.saved': 'Opgeslagen.',
  'workflows.form.needTemplate': 'Kies een e-mailtemplate.',
  'workflows.tasks': 'Taaktypes',
  'workflows.tasks.intro': 'Per taaktype drie workflows: nieuwe taak, verlopen taak en afgeronde taak.',
  'workflows.tasks.type': 'Taaktype',
  'workflows.tasks.new': 'Nieuwe taak',
  'workflows.tasks.new.help':
    'Er zal automatisch een e-mail verstuurd worden naar de verantwoordelijke als er een nieuwe taak van dit type wordt aangemaakt.',
  'workflows.tasks.expired': 'Verlopen taak',
  'workflows.tasks.expired.help':
    'Er zal automatisch eenmalig een e-mail verstuurd worden naar de verantwoordelijke als deze taak is verlopen.',
  'workflows.tasks.completed': 'Afgeronde taak',
  'workflows.tasks.completed.help':
    'Er zal automatisch een e-mail verstuurd worden naar het contact van de taak, het gekozen aantal dagen nadat de taak is afgerond.',
  'workflows.tasks.enabled': 'Aan',
  'workflows.tasks.days': 'Aantal dagen',
  'workflows.tasks.afterDays': 'na {days} dagen',
  'workflows.tasks.edit': 'Instellen',
  'workflows.tasks.formTitle': 'Workflows van taaktype {label}',

  'templates.title': 'Actie-templates',
  'templates.new': 'Nieuw template',
  'templates.col.name': 'Naam',
  'templates.col.process': 'Proces',
  'templates.col.type': 'Datagroep',
  'templates.col.event': 'Gebeurtenis',
  'templates.col.mode': 'Uitvoering',
  'templates.col.active': 'Actief',
  'templates.col.version': 'Gepubliceerde versie',
  'templates.unpublished': 'niet gepubliceerd',
  'templates.draft': 'Concept (JSON)',
  'templates.draft.help': 'Pas het concept aan en sla het op; publiceer daarna om het te laten werken.',
  'templates.saveDraft': 'Concept opslaan',
  'templates.create': 'Template aanmaken',
  'templates.publish': 'Publiceren',
  'templates.activate': 'Activeren',
  'templates.deactivate': 'Deactiveren',
  'templates.simulate': 'Simuleren',
  'templates.saved': 'Concept opgeslagen.',
  'templates.published': 'Versie {version} gepubliceerd.',
  'templates.invalidJson': 'Dit is geen geldige JSON: {message}',
  'templates.problems': 'Het concept klopt nog niet:',
  'templates.simulation': 'Simulatie: {total} dossiers',
  'templates.sim.dossier': 'Dossier',
  'templates.sim.status': 'Status',
  'templates.sim.due': 'Uiterlijk',
  'templates.isActive': 'Actief',
  'templates.isInactive': 'Niet actief',
  'templates.newTitle': 'Nieuw actie-template',
  'event.created': 'Aangemaakt',
  'event.fieldChanged': 'Veld gewijzigd',
  'event.statusSet': 'Status gezet',
  'event.deleted': 'Verwijderd',
  'event.dateReached': 'Datum bereikt',
  'event.actionCompleted': 'Actie afgerond',
  'event.actionExpired': 'Actie verlopen',
  'event.manual': 'Handmatig gestart',

  'dossiers.title': 'Dossiers',
  'dossiers.type': 'Soort dossier',
  'dossiers.status': 'Status',
  'dossiers.allStatuses': 'Alle statussen',
  'dossiers.col.title': 'Titel',
  'dossiers.col.status': 'Status',
  'dossiers.col.updated': 'Gewijzigd',
  'dossiers.fields': 'Gegevens',
  'dossiers.events': 'Geschiedenis',
  'dossiers.actions': 'Acties',
  'dossiers.emails': 'E-mails',
  'dossiers.event.kind': 'Wat',
  'dossiers.event.changes': 'Wijzigingen',
  'dossiers.kind.created': 'Aangemaakt',
  'dossiers.kind.updated': 'Gewijzigd',
  'dossiers.kind.deleted': 'Verwijderd',

  'mail.title': 'Mailviewer',
  'mail.intro': 'E-mails die de lokale SMTP-sink heeft ontvangen; er gaat niets naar buiten.',
  'mail.notRunning': 'De lokale SMTP-sink draait niet (alleen in demo- en sandboxmodus).',
  'mail.running': 'SMTP-sink op {smtp}',
  'mail.col.received': 'Ontvangen',
  'mail.col.from': 'Van',
  'mail.col.to': 'Aan',
  'mail.col.subject': 'Onderwerp',
  'mail.noSubject': '(geen onderwerp)',
  'mail.empty': 'Nog geen berichten ontvangen.',
  'mail.open': 'Openen',
  'mail.frame': 'Inhoud van het bericht',
  'mail.text': 'Tekstversie',
  'mail.outbox': 'Uitgaande post die aandacht nodig heeft',
  'mail.outbox.intro': 'Mislukte berichten en berichten waarvan onzeker is of ze zijn aangekomen.',
  'mail.outbox.empty': 'Niets dat aandacht nodig heeft.',
  'mail.outbox.status': 'Status',
  'mail.outbox.reply': 'Laatste antwoord server',
  'mail.outbox.resend': 'Opnieuw versturen',
  'mail.outbox.dismiss': 'Afsluiten',
  'mail.status.queued': 'In de wachtrij',
  'mail.status.sending': 'Wordt verstuurd',
  'mail.status.sent': 'Verstuurd',
  'mail.status.failed': 'Mislukt',
  'mail.status.in_doubt': 'Onzeker',
  'mail.status.dismissed': 'Afgesloten',

  'notFound.title': 'Niet gevonden',
};

export type Key = keyof typeof nl;

const en: Record<Key, string> = {
  'app.title': 'Werkflow',
  'app.skip': 'Skip to content',
  'lang.switch': 'Language',
  'lang.nl': 'Nederlands',
  'lang.en': 'English',
  busy: 'Working…',
  loading: 'Loading…',
  yes: 'Yes',
  no: 'No',
  none: '—',
  close: 'Close',
  back: 'Back',
  save: 'Save',
  cancel: 'Cancel',
  refresh: 'Refresh',
  more: 'Load more',
  empty: 'Nothing found.',
  'error.network': 'The server cannot be reached. Check the connection and try again.',
  'error.http': 'The server answered with error {status}.',
  'error.unexpected': 'Something went wrong. Please try again.',
  'error.notFound': 'This page does not exist.',
  'error.path': 'at {path}',

  'nav.label': 'Main menu',
  'nav.actions': 'My actions',
  'nav.workflows': 'Workflows',
  'nav.templates': 'Action templates',
  'nav.dossiers': 'Dossiers',
  'nav.mail': 'Mail viewer',
  'user.logout': 'Log out',
  'user.signedInAs': 'Signed in as {name}',

  'login.title': 'Log in',
  'login.intro': 'Log in with your e-mail address and password.',
  'reset.title': 'New password',
  'reset.intro': 'Choose a new password of at least 12 characters, then log in with it.',
  'reset.password': 'New password',
  'reset.submit': 'Save password',
  'login.email': 'E-mail address',
  'login.password': 'Password',
  'login.submit': 'Log in',

  'sandbox.banner': 'Sandbox: the clock is at {time}',
  'sandbox.day': '+1 day',
  'sandbox.week': '+1 week',
  'sandbox.done': '{executed} actions executed, {due} made due.',

  'actions.title': 'My actions',
  'actions.filter': 'Show',
  'actions.filter.mine': 'My actions',
  'actions.filter.overdue': 'Overdue',
  'actions.filter.failed': 'Failed',
  'actions.filter.all': 'All',
  'actions.col.title': 'Action',
  'actions.col.dossier': 'Dossier',
  'actions.col.due': 'Due',
  'actions.col.status': 'Status',
  'actions.col.mode': 'Execution',
  'actions.col.do': 'Do',
  'actions.empty': 'No actions in this list.',
  'actions.execute': 'Execute',
  'actions.executeAgain': 'Execute again',
  'actions.markDone': 'Mark done',
  'actions.reschedule': 'Reschedule',
  'actions.cancelAction': 'Cancel',
  'actions.details': 'Details',
  'actions.preview.title': 'Preview: what executing does',
  'actions.preview.subject': 'Subject',
  'actions.preview.to': 'To',
  'actions.preview.cc': 'Cc',
  'actions.preview.effect': 'Effect',
  'actions.preview.confirm': 'Execute now',
  'actions.preview.frame': 'Content of the e-mail',
  'actions.reschedule.title': 'Reschedule action',
  'actions.reschedule.when': 'New date and time (Europe/Amsterdam)',
  'actions.cancel.title': 'Cancel action',
  'actions.cancel.reason': 'Reason (optional)',
  'actions.cancel.confirm': 'Cancel action',
  'actions.done.note': 'Note (optional)',
  'actions.done.title': 'Mark action done',
  'actions.error': 'Error',
  'actions.detail.title': 'Action',
  'actions.detail.history': 'History',
  'actions.detail.when': 'When',
  'actions.detail.who': 'By',
  'actions.detail.change': 'From → to',
  'actions.detail.note': 'Note',
  'actions.detail.process': 'Process',
  'actions.detail.priority': 'Priority',
  'actions.detail.attempts': 'Attempts',
  'actions.detail.created': 'Created',
  'actions.detail.completed': 'Completed',
  'actions.detail.template': 'Template',
  'actions.result': 'Result: {status}',

  'status.waiting': 'Waiting',
  'status.pending': 'Scheduled',
  'status.due': 'Due',
  'status.running': 'Running',
  'status.done': 'Done',
  'status.failed': 'Failed',
  'status.cancelled': 'Cancelled',
  'status.expired': 'Expired',
  'reason.waiting until the conditions hold': 'waiting until the conditions hold',

  'mode.manual': 'Manual',
  'mode.semiAutomatic': 'Semi-automatic',
  'mode.automatic': 'Automatic',

  'workflows.title': 'Workflows (Econobis)',
  'workflows.statuses': 'Statuses of opportunities and opportunity actions',
  'workflows.statuses.intro': 'Choose a row to set which e-mail is sent after a status change.',
  'workflows.col.description': 'Description',
  'workflows.col.active': 'Active',
  'workflows.col.reminder': 'Send reminder',
  'workflows.form.title': 'Workflow: {description}',
  'workflows.form.active': 'Active',
  'workflows.form.template': 'E-mail template',
  'workflows.form.chooseTemplate': '— choose a template —',
  'workflows.form.days': 'Send after how many days',
  'workflows.form.reminder': 'Send reminder',
  'workflows.form.reminderDays': 'Reminder after how many days',
  'workflows.form.recipients': 'Recipients',
  'workflows.form.resident': 'Resident',
  'workflows.form.coach': 'Coach',
  'workflows.form.saved': 'Saved.',
  'workflows.form.needTemplate': 'Choose an e-mail template.',
  'workflows.tasks': 'Task types',
  'workflows.tasks.intro': 'Three workflows per task type: new task, expired task and completed task.',
  'workflows.tasks.type': 'Task type',
  'workflows.tasks.new': 'New task',
  'workflows.tasks.new.help':
    'An e-mail will automatically be sent to the responsible user when a new task of this type is created.',
  'workflows.tasks.expired': 'Expired task',
  'workflows.tasks.expired.help':
    'An e-mail will automatically be sent once to the responsible user when this task has expired.',
  'workflows.tasks.completed': 'Completed task',
  'workflows.tasks.completed.help':
    'An e-mail will automatically be sent to the contact of the task, the chosen number of days after the task was completed.',
  'workflows.tasks.enabled': 'On',
  'workflows.tasks.days': 'Number of days',
  'workflows.tasks.afterDays': 'after {days} days',
  'workflows.tasks.edit': 'Set up',
  'workflows.tasks.formTitle': 'Workflows of task type {label}',

  'templates.title': 'Action templates',
  'templates.new': 'New template',
  'templates.col.name': 'Name',
  'templates.col.process': 'Process',
  'templates.col.type': 'Data group',
  'templates.col.event': 'Event',
  'templates.col.mode': 'Execution',
  'templates.col.active': 'Active',
  'templates.col.version': 'Published version',
  'templates.unpublished': 'not published',
  'templates.draft': 'Draft (JSON)',
  'templates.draft.help': 'Edit the draft and save it; then publish it to make it work.',
  'templates.saveDraft': 'Save draft',
  'templates.create': 'Create template',
  'templates.publish': 'Publish',
  'templates.activate': 'Activate',
  'templates.deactivate': 'Deactivate',
  'templates.simulate': 'Simulate',
  'templates.saved': 'Draft saved.',
  'templates.published': 'Version {version} published.',
  'templates.invalidJson': 'This is not valid JSON: {message}',
  'templates.problems': 'The draft is not right yet:',
  'templates.simulation': 'Simulation: {total} dossiers',
  'templates.sim.dossier': 'Dossier',
  'templates.sim.status': 'Status',
  'templates.sim.due': 'Due',
  'templates.isActive': 'Active',
  'templates.isInactive': 'Not active',
  'templates.newTitle': 'New action template',
  'event.created': 'Created',
  'event.fieldChanged': 'Field changed',
  'event.statusSet': 'Status set',
  'event.deleted': 'Deleted',
  'event.dateReached': 'Date reached',
  'event.actionCompleted': 'Action completed',
  'event.actionExpired': 'Action expired',
  'event.manual': 'Started by hand',

  'dossiers.title': 'Dossiers',
  'dossiers.type': 'Kind of dossier',
  'dossiers.status': 'Status',
  'dossiers.allStatuses': 'All statuses',
  'dossiers.col.title': 'Title',
  'dossiers.col.status': 'Status',
  'dossiers.col.updated': 'Changed',
  'dossiers.fields': 'Fields',
  'dossiers.events': 'History',
  'dossiers.actions': 'Actions',
  'dossiers.emails': 'E-mails',
  'dossiers.event.kind': 'What',
  'dossiers.event.changes': 'Changes',
  'dossiers.kind.created': 'Created',
  'dossiers.kind.updated': 'Changed',
  'dossiers.kind.deleted': 'Deleted',

  'mail.title': 'Mail viewer',
  'mail.intro': 'E-mails the local SMTP sink received; nothing leaves this machine.',
  'mail.notRunning': 'The local SMTP sink is not running (only in demo and sandbox mode).',
  'mail.running': 'SMTP sink on {smtp}',
  'mail.col.received': 'Received',
  'mail.col.from': 'From',
  'mail.col.to': 'To',
  'mail.col.subject': 'Subject',
  'mail.noSubject': '(no subject)',
  'mail.empty': 'No messages received yet.',
  'mail.open': 'Open',
  'mail.frame': 'Content of the message',
  'mail.text': 'Text version',
  'mail.outbox': 'Outgoing mail that needs attention',
  'mail.outbox.intro': 'Failed messages, and messages of which it is unknown whether they arrived.',
  'mail.outbox.empty': 'Nothing needs attention.',
  'mail.outbox.status': 'Status',
  'mail.outbox.reply': 'Last server reply',
  'mail.outbox.resend': 'Resend',
  'mail.outbox.dismiss': 'Dismiss',
  'mail.status.queued': 'Queued',
  'mail.status.sending': 'Sending',
  'mail.status.sent': 'Sent',
  'mail.status.failed': 'Failed',
  'mail.status.in_doubt': 'In doubt',
  'mail.status.dismissed': 'Dismissed',

  'notFound.title': 'Not found',
};

const STRINGS: Record<Lang, Record<Key, string>> = { nl, en };
const STORAGE_KEY = 'werkflow.lang';
/** The organisation's time zone: due times are shown in it whatever the browser's zone. */
export const TIME_ZONE = 'Europe/Amsterdam';

function stored(): Lang {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'en' || value === 'nl' ? value : 'nl';
  } catch {
    return 'nl';
  }
}

let current: Lang = stored();
const listeners: (() => void)[] = [];

export function lang(): Lang {
  return current;
}

/** Switches the language, remembers it and tells the listeners (the shell re-renders). */
export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next;
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): void {
  listeners.push(listener);
}

/** The string for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = STRINGS[current][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A translated string for a key built from data (a status, a mode), or the raw value. */
export function tOr(key: string, fallback: string): string {
  return (STRINGS[current] as Record<string, string>)[key] ?? fallback;
}

/** The label of an API `{ nl, en }` object in the current language. */
export function label(value: Label | undefined | null, fallback = ''): string {
  return value ? value[current] : fallback;
}

/** A date-time in Europe/Amsterdam, written the way the language writes it. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return t('none');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current === 'nl' ? 'nl-NL' : 'en-GB', {
    timeZone: TIME_ZONE,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}

/** The wall-clock parts of an instant in Europe/Amsterdam, as `YYYY-MM-DDTHH:mm`. */
export function toZonedInput(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Reads `YYYY-MM-DDTHH:mm` as a wall-clock time in Europe/Amsterdam; returns an ISO instant. */
export function fromZonedInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const wanted = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  // Guess, see which wall-clock time that is in Amsterdam, correct by the difference (twice for DST).
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const shown = Date.parse(`${toZonedInput(new Date(guess).toISOString())}:00Z`);
    guess += wanted - shown;
  }
  return new Date(guess).toISOString();
}

/**
 * The daily digest: one e-mail a day to the people who own automatic work that went wrong
 * (a template's owner, and the administrators), in their language. Pure: the service gathers
 * the rows and the names, this module decides who hears of what and writes the mail.
 */

export type DigestLanguage = 'nl' | 'en';

/** The organisation's switch and the time of day the digest goes out (local time, `HH:MM`). */
export interface DigestSettings {
  readonly enabled: boolean;
  readonly time: string;
}

/** A person's own switch and the language of their digest. */
export interface DigestPreference {
  readonly enabled: boolean;
  readonly language: DigestLanguage;
}

export const DEFAULT_DIGEST_SETTINGS: DigestSettings = { enabled: true, time: '07:00' };
export const DEFAULT_DIGEST_PREFERENCE: DigestPreference = { enabled: true, language: 'nl' };

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of `HH:MM`, or undefined when it is not a time of day. */
export function minutesOfDay(time: string): number | undefined {
  const m = TIME.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export interface DigestFailedAction {
  readonly id: string;
  readonly title: string;
  readonly templateId: string;
  readonly templateName: string;
  readonly error: string | null;
  readonly templateOwner: string | null;
}

export interface DigestInDoubtMail {
  readonly id: string;
  readonly subject: string;
  readonly to: readonly string[];
  readonly templateOwner: string | null;
  /** The action template whose action wrote the mail, by name (absent for a mail without one). */
  readonly template?: { readonly id: string; readonly name: string } | null;
  /** The dossier the mail is about, with its titles (absent for a mail without one). */
  readonly dossier?: {
    readonly type: string;
    readonly id: string;
    readonly titleNl: string | null;
    readonly titleEn: string | null;
  } | null;
}

export interface DigestRecipient {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly administrator: boolean;
  readonly language: DigestLanguage;
}

/** What one person hears of: all of it for an administrator, their own templates' otherwise. */
export function itemsFor<T extends { readonly templateOwner: string | null }>(
  recipient: Pick<DigestRecipient, 'id' | 'administrator'>,
  items: readonly T[],
): T[] {
  return recipient.administrator ? [...items] : items.filter((i) => i.templateOwner === recipient.id);
}

/** At most this many actions per template, and mails, are listed by name; the rest are counted. */
export const DIGEST_LIST_LIMIT = 10;

const TEXT = {
  nl: {
    subject: (actions: number, mails: number) =>
      `Werkflow: ${[
        actions > 0 ? `${actions} mislukte ${actions === 1 ? 'actie' : 'acties'}` : '',
        mails > 0 ? `${mails} ${mails === 1 ? 'e-mail' : 'e-mails'} in twijfel` : '',
      ]
        .filter(Boolean)
        .join(' en ')}`,
    greeting: (name: string) => `Beste ${name},`,
    intro: (period: string) => `Dit ging mis in Werkflow tussen ${period}. Het staat er nog steeds zo.`,
    failedHead: (n: number) => `Mislukte acties (${n})`,
    failedHelp:
      'Deze automatische acties zijn niet uitgevoerd. Lees de reden, los de oorzaak op en kies bij de actie "Opnieuw uitvoeren".',
    template: 'Actie-template',
    reason: 'Reden',
    noReason: 'geen reden opgeslagen',
    more: (n: number) => `en nog ${n}`,
    allFailed: 'Alle mislukte acties',
    mailsHead: (n: number) => `E-mails in twijfel (${n})`,
    mailsHelp:
      'Bij deze e-mails is niet zeker of de mailserver ze heeft ontvangen. Kies in het mailoverzicht "Opnieuw versturen" of "Afwijzen".',
    to: 'aan',
    dossier: 'Dossier',
    mailOverview: 'Naar het mailoverzicht',
    whyAdmin: 'U krijgt dit overzicht omdat u beheerder bent.',
    whyOwner: 'U krijgt dit overzicht omdat u deze actie-templates hebt gemaakt.',
    switchOff: 'Dit dagelijkse overzicht zet u uit onder Instellingen → Dagelijks overzicht.',
  },
  en: {
    subject: (actions: number, mails: number) =>
      `Werkflow: ${[
        actions > 0 ? `${actions} failed ${actions === 1 ? 'action' : 'actions'}` : '',
        mails > 0 ? `${mails} ${mails === 1 ? 'e-mail' : 'e-mails'} in doubt` : '',
      ]
        .filter(Boolean)
        .join(' and ')}`,
    greeting: (name: string) => `Dear ${name},`,
    intro: (period: string) => `This went wrong in Werkflow between ${period}, and is still so.`,
    failedHead: (n: number) => `Failed actions (${n})`,
    failedHelp:
      'These automatic actions did not run. Read the reason, fix the cause and choose "Execute again" on the action.',
    template: 'Action template',
    reason: 'Reason',
    noReason: 'no reason recorded',
    more: (n: number) => `and ${n} more`,
    allFailed: 'All failed actions',
    mailsHead: (n: number) => `E-mails in doubt (${n})`,
    mailsHelp:
      'For these e-mails it is not certain that the mail server received them. Choose "Resend" or "Dismiss" in the mail overview.',
    to: 'to',
    dossier: 'Dossier',
    mailOverview: 'Open the mail overview',
    whyAdmin: 'You receive this digest because you are an administrator.',
    whyOwner: 'You receive this digest because you created these action templates.',
    switchOff: 'Switch this daily digest off under Settings → Daily digest.',
  },
} as const;

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export interface DigestMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/**
 * The digest e-mail for one person, or undefined when there is nothing for them (no mail).
 * `period` is the time span in words ("29 nov 07:00 en 30 nov 07:00"); `baseUrl` the address
 * of Werkflow's screens, for the links.
 */
export function composeDigest(input: {
  readonly recipient: DigestRecipient;
  readonly failed: readonly DigestFailedAction[];
  readonly inDoubt: readonly DigestInDoubtMail[];
  readonly period: string;
  readonly baseUrl: string;
}): DigestMail | undefined {
  const { recipient } = input;
  const failed = itemsFor(recipient, input.failed);
  const inDoubt = itemsFor(recipient, input.inDoubt);
  if (failed.length === 0 && inDoubt.length === 0) return undefined;
  const t = TEXT[recipient.language];
  const base = input.baseUrl.replace(/\/+$/, '');
  const link = (path: string) => `${base}${path}`;
  const html: string[] = [];
  const text: string[] = [];
  const para = (s: string) => {
    html.push(`<p>${escapeHtml(s)}</p>`);
    text.push(s, '');
  };
  para(t.greeting(recipient.name));
  para(t.intro(input.period));
  if (failed.length > 0) {
    html.push(`<h2>${escapeHtml(t.failedHead(failed.length))}</h2>`);
    text.push(t.failedHead(failed.length), '');
    para(t.failedHelp);
    const byTemplate = new Map<string, DigestFailedAction[]>();
    for (const a of failed) byTemplate.set(a.templateId, [...(byTemplate.get(a.templateId) ?? []), a]);
    for (const [templateId, actions] of byTemplate) {
      const name = actions[0]!.templateName;
      html.push(
        `<h3>${escapeHtml(t.template)}: <a href="${escapeHtml(link(`/templates/${encodeURIComponent(templateId)}`))}">${escapeHtml(name)}</a> (${actions.length})</h3>`,
        '<ul>',
      );
      text.push(
        `${t.template}: ${name} (${actions.length}) — ${link(`/templates/${encodeURIComponent(templateId)}`)}`,
      );
      for (const a of actions.slice(0, DIGEST_LIST_LIMIT)) {
        const url = link(`/actions/${encodeURIComponent(a.id)}`);
        const reason = a.error ?? t.noReason;
        html.push(
          `<li><a href="${escapeHtml(url)}">${escapeHtml(a.title)}</a><br>${escapeHtml(t.reason)}: ${escapeHtml(reason)}</li>`,
        );
        text.push(`- ${a.title} — ${url}`, `  ${t.reason}: ${reason}`);
      }
      if (actions.length > DIGEST_LIST_LIMIT) {
        html.push(`<li>${escapeHtml(t.more(actions.length - DIGEST_LIST_LIMIT))}</li>`);
        text.push(`- ${t.more(actions.length - DIGEST_LIST_LIMIT)}`);
      }
      html.push('</ul>');
      text.push('');
    }
    html.push(
      `<p><a href="${escapeHtml(link('/actions?filter=failed'))}">${escapeHtml(t.allFailed)}</a></p>`,
    );
    text.push(`${t.allFailed}: ${link('/actions?filter=failed')}`, '');
  }
  if (inDoubt.length > 0) {
    html.push(`<h2>${escapeHtml(t.mailsHead(inDoubt.length))}</h2>`);
    text.push(t.mailsHead(inDoubt.length), '');
    para(t.mailsHelp);
    html.push('<ul>');
    for (const m of inDoubt.slice(0, DIGEST_LIST_LIMIT)) {
      const lines: { label: string; name: string; url: string }[] = [];
      if (m.template)
        lines.push({
          label: t.template,
          name: m.template.name,
          url: link(`/templates/${encodeURIComponent(m.template.id)}`),
        });
      if (m.dossier)
        lines.push({
          label: t.dossier,
          name: (recipient.language === 'nl' ? m.dossier.titleNl : m.dossier.titleEn) ?? m.dossier.id,
          url: link(`/dossiers/${encodeURIComponent(m.dossier.type)}/${encodeURIComponent(m.dossier.id)}`),
        });
      html.push(
        `<li>${escapeHtml(m.subject)} (${escapeHtml(t.to)} ${escapeHtml(m.to.join(', '))})${lines
          .map((l) => `<br>${escapeHtml(l.label)}: <a href="${escapeHtml(l.url)}">${escapeHtml(l.name)}</a>`)
          .join('')}</li>`,
      );
      text.push(
        `- ${m.subject} (${t.to} ${m.to.join(', ')})`,
        ...lines.map((l) => `  ${l.label}: ${l.name} — ${l.url}`),
      );
    }
    if (inDoubt.length > DIGEST_LIST_LIMIT) {
      html.push(`<li>${escapeHtml(t.more(inDoubt.length - DIGEST_LIST_LIMIT))}</li>`);
      text.push(`- ${t.more(inDoubt.length - DIGEST_LIST_LIMIT)}`);
    }
    html.push('</ul>', `<p><a href="${escapeHtml(link('/mail'))}">${escapeHtml(t.mailOverview)}</a></p>`);
    text.push('', `${t.mailOverview}: ${link('/mail')}`, '');
  }
  para(recipient.administrator ? t.whyAdmin : t.whyOwner);
  para(t.switchOff);
  return {
    subject: t.subject(failed.length, inDoubt.length),
    html: html.join('\n'),
    text: text.join('\n').trimEnd() + '\n',
  };
}

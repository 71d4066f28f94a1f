import { DateTime } from 'luxon';
import type { Clock } from '../domain/clock.js';
import {
  DEFAULT_DIGEST_PREFERENCE,
  DEFAULT_DIGEST_SETTINGS,
  type DigestLanguage,
  type DigestPreference,
  type DigestRecipient,
  type DigestSettings,
  composeDigest,
  minutesOfDay,
} from '../domain/digest.js';
import { WerkflowError } from '../domain/errors.js';
import { queuedMessage } from '../effects/email/outbox-message.js';
import type { Db, Store } from '../store/database.js';
import { DigestRepository } from '../store/digest.repository.js';
import type { OutboxMessage } from '../store/outbox.repository.js';
import { SettingsRepository } from '../store/settings.repository.js';
import type { UserRepository } from '../store/user.repository.js';
import type { ActionEngine } from '../engine/action-engine.js';
import type { AuditService } from './audit.service.js';
import type { CalendarService } from './calendar.service.js';
import type { Email } from './email/index.js';
import type { Logger } from '../engine/observability.js';

const SETTINGS_KEY = 'digest';
const USER_KEY = (userId: string) => `digest.user.${userId}`;
/** One entry per local date a digest went out for: the claim that makes it go out once. */
const RUN_PREFIX = 'digest.run.';

/** What one digest round did (stored under `digest.run.<date>`, returned for tests and logs). */
export interface DigestRun {
  /** The local date of the send time this run belongs to. */
  readonly day: string;
  readonly from: number;
  readonly to: number;
  /** One outbox message per person who had something to hear of. */
  readonly sent: readonly { readonly userId: string; readonly email: string; readonly outboxId: string }[];
  /** Why nothing was sent although there was something to report. */
  readonly skipped?: 'disabled' | 'no_mailbox';
}

export interface DigestServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly calendar: CalendarService;
  readonly engine: ActionEngine;
  readonly email: Email;
  readonly users: UserRepository;
  readonly audit: AuditService;
  readonly log: Logger;
  /** Where the links in the mail point (WERKFLOW_PUBLIC_URL); read at every run. */
  readonly publicUrl: () => string;
}

/** How often a running process looks whether the day's digest is due. */
export const DIGEST_CHECK_MS = 60_000;

/**
 * The daily digest of failed actions and mails in doubt, for their templates' owners and the
 * administrators (see src/domain/digest.ts for who hears of what). Once a day, at the
 * organisation's time in its time zone, one process claims the day (`digest.run.<date>` written
 * with ON CONFLICT DO NOTHING) and writes the mails to the outbox in the same transaction, so
 * with several workers and across restarts each day's digest is written once, and the mailer
 * delivers it like any other message. A day's period starts where the previous run's ended.
 */
export class DigestService {
  private readonly settingsRepo: SettingsRepository;
  private readonly repo: DigestRepository;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DigestRun | undefined> | undefined;
  /** The last day this process saw claimed (by itself or another): no database round until the next. */
  private doneDay: string | undefined;

  constructor(private readonly deps: DigestServiceDeps) {
    this.settingsRepo = new SettingsRepository(deps.store);
    this.repo = new DigestRepository(deps.store);
  }

  async settings(db: Db = this.deps.store.db): Promise<DigestSettings> {
    const stored = await this.settingsRepo.get<Partial<DigestSettings>>(SETTINGS_KEY, db);
    return {
      enabled: typeof stored?.enabled === 'boolean' ? stored.enabled : DEFAULT_DIGEST_SETTINGS.enabled,
      time:
        typeof stored?.time === 'string' && minutesOfDay(stored.time) !== undefined
          ? stored.time
          : DEFAULT_DIGEST_SETTINGS.time,
    };
  }

  async saveSettings(input: DigestSettings, actor: string): Promise<DigestSettings> {
    if (minutesOfDay(input.time) === undefined)
      throw new WerkflowError(
        'validation_failed',
        `"${input.time}" is not a time of day: write it as HH:MM, such as 07:00.`,
        { path: 'time', params: { value: input.time } },
      );
    const next: DigestSettings = { enabled: input.enabled, time: input.time };
    await this.deps.store.db.transaction().execute(async (trx) => {
      const before = await this.settings(trx);
      await this.settingsRepo.set(SETTINGS_KEY, next, trx);
      await this.deps.audit.record(trx, {
        actor,
        action: 'digestSettings.updated',
        entityType: 'settings',
        entityId: SETTINGS_KEY,
        before,
        after: next,
      });
    });
    this.doneDay = undefined;
    return next;
  }

  async preference(userId: string, db: Db = this.deps.store.db): Promise<DigestPreference> {
    const stored = await this.settingsRepo.get<Partial<DigestPreference>>(USER_KEY(userId), db);
    return {
      enabled: typeof stored?.enabled === 'boolean' ? stored.enabled : DEFAULT_DIGEST_PREFERENCE.enabled,
      language: stored?.language === 'en' || stored?.language === 'nl' ? stored.language : 'nl',
    };
  }

  async savePreference(userId: string, input: DigestPreference): Promise<DigestPreference> {
    const next: DigestPreference = { enabled: input.enabled, language: input.language };
    await this.deps.store.db.transaction().execute(async (trx) => {
      const before = await this.preference(userId, trx);
      await this.settingsRepo.set(USER_KEY(userId), next, trx);
      await this.deps.audit.record(trx, {
        actor: userId,
        action: 'digestPreference.updated',
        entityType: 'user',
        entityId: userId,
        before,
        after: next,
      });
    });
    return next;
  }

  /** Looks every DIGEST_CHECK_MS whether the day's digest is due (serve and worker). */
  start(): void {
    if (this.timer) return;
    const check = () =>
      void this.runDue().catch((error: unknown) =>
        this.deps.log.error({ loop: 'digest', err: error }, 'the daily digest failed; trying again'),
      );
    this.timer = setInterval(check, DIGEST_CHECK_MS);
    this.timer.unref();
    check();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * Sends the digest of the latest send time that has passed, unless that day's digest was
   * written already (by this or another process). Undefined when there was nothing to do.
   */
  runDue(): Promise<DigestRun | undefined> {
    this.running ??= this.runOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runOnce(): Promise<DigestRun | undefined> {
    const { store, clock } = this.deps;
    const settings = await this.settings();
    const zone = (await this.deps.calendar.settings()).timeZone;
    const minutes = minutesOfDay(settings.time)!;
    const now = clock.now();
    const local = DateTime.fromMillis(now, { zone });
    const at = (d: DateTime) =>
      d.startOf('day').set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
    const slot = at(local).toMillis() <= now ? at(local) : at(local.minus({ days: 1 }));
    const day = slot.toISODate()!;
    if (this.doneDay === day) return undefined;
    const to = slot.toMillis();
    const run = await store.db.transaction().execute(async (trx) => {
      const previous = await this.settingsRepo.last<DigestRun>(RUN_PREFIX, trx);
      // Contiguous periods; after a long stop at most a week back (older news is in the screens).
      const from = Math.max(
        previous?.value.to ?? slot.minus({ days: 1 }).toMillis(),
        slot.minus({ days: 7 }).toMillis(),
      );
      const claim: DigestRun = { day, from, to, sent: [] };
      if (!(await this.settingsRepo.insertIfAbsent(`${RUN_PREFIX}${day}`, claim, trx))) return undefined;
      const done = await this.write(trx, claim, settings, zone);
      await this.settingsRepo.set(`${RUN_PREFIX}${day}`, done, trx);
      return done;
    });
    this.doneDay = day;
    if (!run) return undefined;
    if (run.sent.length > 0) this.deps.email.outbox.kick();
    this.deps.log.info(
      { loop: 'digest', day, messages: run.sent.length, skipped: run.skipped },
      run.skipped
        ? `daily digest of ${day} not sent: ${run.skipped === 'disabled' ? 'switched off' : 'no mailbox'}`
        : `daily digest of ${day}: ${run.sent.length} e-mail${run.sent.length === 1 ? '' : 's'}`,
    );
    return run;
  }

  /** Gathers the period's failures and writes one outbox message per person who should hear of them. */
  private async write(db: Db, run: DigestRun, settings: DigestSettings, zone: string): Promise<DigestRun> {
    if (!settings.enabled) return { ...run, skipped: 'disabled' };
    const failedRows = await this.repo.failedActions(run.from, run.to, db);
    const inDoubtRows = await this.repo.inDoubtMails(run.from, run.to, db);
    if (failedRows.length === 0 && inDoubtRows.length === 0) return run;
    const names = new Map<string, string | undefined>();
    const nameOf = async (templateId: string, version: number): Promise<string | undefined> => {
      const key = `${templateId}@${version}`;
      if (!names.has(key))
        names.set(key, (await this.deps.engine.definitionOf(templateId, version, db))?.name);
      return names.get(key);
    };
    const failed = [];
    for (const r of failedRows)
      failed.push({ ...r, templateName: (await nameOf(r.templateId, r.templateVersion)) ?? r.title });
    const inDoubt = [];
    for (const r of inDoubtRows) {
      const name =
        r.templateId !== null && r.templateVersion !== null
          ? await nameOf(r.templateId, r.templateVersion)
          : undefined;
      inDoubt.push({
        ...r,
        template: r.templateId !== null ? { id: r.templateId, name: name ?? r.templateId } : null,
        dossier:
          r.dossierId !== null && r.dossierType !== null
            ? { type: r.dossierType, id: r.dossierId, titleNl: r.dossierTitleNl, titleEn: r.dossierTitleEn }
            : null,
      });
    }
    const admins = new Set(await this.deps.users.activeUserIdsWithRole('administrator', db));
    const owners = [...failed, ...inDoubt].map((i) => i.templateOwner).filter((o): o is string => o !== null);
    // A blocked person gets no digest either: it names dossiers and links to them.
    const people = (await this.deps.users.getMany([...new Set([...admins, ...owners])], db)).filter(
      (u) => u.active && (u.blockedAt ?? null) === null,
    );
    const mailboxes = await this.deps.email.mailboxes.repository.list(db);
    const mailbox = mailboxes.find((m) => m.isDefault) ?? (mailboxes.length === 1 ? mailboxes[0] : undefined);
    const sent: { userId: string; email: string; outboxId: string }[] = [];
    const messages: OutboxMessage[] = [];
    for (const person of people) {
      const preference = await this.preference(person.id, db);
      if (!preference.enabled) continue;
      const recipient: DigestRecipient = {
        id: person.id,
        name: person.name,
        email: person.email,
        administrator: admins.has(person.id),
        language: preference.language,
      };
      const mail = composeDigest({
        recipient,
        failed,
        inDoubt,
        period: periodText(run.from, run.to, zone, preference.language),
        baseUrl: this.deps.publicUrl(),
      });
      if (!mail) continue;
      if (!mailbox) return { ...run, skipped: 'no_mailbox' };
      const message = queuedMessage(mailbox, this.deps.clock.now(), {
        actionId: null,
        dossierId: null,
        dossierType: null,
        templateId: null,
        to: [person.email],
        cc: [],
        bcc: [],
        subject: mail.subject,
        htmlBody: mail.html,
        textBody: mail.text,
        attachments: [],
      });
      messages.push(message);
      sent.push({ userId: person.id, email: person.email, outboxId: message.id });
    }
    if (messages.length > 0) await this.deps.email.outbox.repository.insertMany(messages, db);
    return { ...run, sent };
  }
}

/** "zo 29 nov 07:00 en ma 30 nov 07:00" / "Sun 29 Nov 07:00 and Mon 30 Nov 07:00", in the organisation's zone. */
function periodText(from: number, to: number, zone: string, language: DigestLanguage): string {
  const format = (ms: number) =>
    DateTime.fromMillis(ms, { zone }).setLocale(language).toFormat('ccc d LLL HH:mm').replace(/\./g, '');
  return `${format(from)} ${language === 'nl' ? 'en' : 'and'} ${format(to)}`;
}

import { type Static, Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import { SandboxClock, parseDuration } from '../../engine/clock.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from '../request-context.js';
import { principalOf } from '../auth.hook.js';

const WebhookSettingsBody = Type.Object({
  allowedHosts: Type.Array(Type.String({ maxLength: 253 }), {
    maxItems: 100,
    description:
      'Hosts (names or IP addresses, nothing else) webhooks may call although they resolve to a loopback, private or link-local address',
  }),
});

const DigestSettingsBody = Type.Object({
  enabled: Type.Boolean({
    description: 'Send the daily digest of failed actions and e-mails in doubt (default on)',
  }),
  time: Type.String({
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    description: "Time of day it goes out, HH:MM in the organisation's time zone (default 07:00)",
  }),
});

const DigestPreferenceBody = Type.Object({
  enabled: Type.Boolean({ description: 'Receive the daily digest (default on)' }),
  language: Type.Union([Type.Literal('nl'), Type.Literal('en')], {
    description: 'Language of your digest (default nl)',
  }),
});

const calendarFields = {
  timeZone: Type.String({ description: 'IANA time zone, default Europe/Amsterdam' }),
  extraHolidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
    description: "The organisation's own closing days (non-working days besides the public holidays)",
  }),
  removedHolidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
    description: 'Public holidays the organisation works on',
  }),
};
const goodFriday = Type.Boolean({
  description: 'Goede Vrijdag is a day off too (default false: not in the Algemene termijnenwet)',
});
const liberationDayLustrumOnly = Type.Boolean({
  description:
    'Bevrijdingsdag (5 May) is a day off only in lustrum years (2025, 2030, …); default false: every year',
});

const CalendarBody = Type.Object({
  ...calendarFields,
  goodFriday: Type.Optional(goodFriday),
  liberationDayLustrumOnly: Type.Optional(liberationDayLustrumOnly),
});

const CalendarHoliday = Type.Object({
  date: Type.String({ description: 'Local date YYYY-MM-DD' }),
  name: Type.Object({ nl: Type.String(), en: Type.String() }),
});

const CalendarResponse = Type.Object({
  ...calendarFields,
  goodFriday,
  liberationDayLustrumOnly,
  nextHolidays: Type.Array(CalendarHoliday, {
    description:
      'The next days off (not weekends) from today: the holidays of the Algemene termijnenwet, changed by the options, plus closing days, minus removed days',
  }),
});

const NEXT_HOLIDAYS = 8;

async function calendarResponse(werkflow: Werkflow): Promise<Static<typeof CalendarResponse>> {
  const settings = await werkflow.calendar.settings();
  return {
    ...settings,
    extraHolidays: [...settings.extraHolidays],
    removedHolidays: [...settings.removedHolidays],
    nextHolidays: await werkflow.calendar.nextHolidays(NEXT_HOLIDAYS),
  };
}

/** Organisation calendar (time zone, working days) and the sandbox clock. */
export function systemRoutes(app: TypedApp, werkflow: Werkflow): void {
  app.get(
    '/api/settings/calendar',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['settings'],
        summary: 'Time zone and working days used for timing, with the next days off',
        response: { 200: CalendarResponse },
      },
    },
    async () => calendarResponse(werkflow),
  );
  app.put(
    '/api/settings/calendar',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['settings'],
        summary: 'Change the time zone and working days',
        description:
          'Left-out options (goodFriday, liberationDayLustrumOnly) keep their saved value. Timing computed from now on uses the new calendar; due times already computed stay.',
        body: CalendarBody,
        response: { 200: CalendarResponse, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const saved = await werkflow.calendar.settings();
      await werkflow.calendar.save({
        ...body,
        goodFriday: body.goodFriday ?? saved.goodFriday,
        liberationDayLustrumOnly: body.liberationDayLustrumOnly ?? saved.liberationDayLustrumOnly,
      });
      return calendarResponse(werkflow);
    },
  );
  app.get(
    '/api/settings/webhooks',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['settings'],
        summary: 'Internal hosts webhooks may call',
        response: { 200: WebhookSettingsBody, ...errorResponses },
      },
    },
    async () => werkflow.webhooks.get(),
  );
  app.put(
    '/api/settings/webhooks',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['settings'],
        summary: 'Allow webhooks to call these internal hosts (all others stay refused)',
        body: WebhookSettingsBody,
        response: { 200: WebhookSettingsBody, ...errorResponses },
      },
    },
    async (request) => werkflow.webhooks.save(request.body, actorOf(request) ?? 'api'),
  );
  app.get(
    '/api/settings/digest',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['settings'],
        summary: 'The daily digest of failed actions and e-mails in doubt: on or off, and when',
        response: { 200: DigestSettingsBody, ...errorResponses },
      },
    },
    async () => werkflow.digest.settings(),
  );
  app.put(
    '/api/settings/digest',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['settings'],
        summary: 'Switch the daily digest on or off for the organisation, and set its time of day',
        body: DigestSettingsBody,
        response: { 200: DigestSettingsBody, ...errorResponses },
      },
    },
    async (request) => werkflow.digest.saveSettings(request.body, actorOf(request) ?? 'api'),
  );
  app.get(
    '/api/auth/me/digest',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['settings'],
        summary:
          'Whether you receive the daily digest (when there is something for you), and in which language',
        response: { 200: DigestPreferenceBody, ...errorResponses },
      },
    },
    async (request) => werkflow.digest.preference(principalOf(request).user.id),
  );
  app.put(
    '/api/auth/me/digest',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['settings'],
        summary: 'Switch your daily digest on or off, and choose its language',
        body: DigestPreferenceBody,
        response: { 200: DigestPreferenceBody, ...errorResponses },
      },
    },
    async (request) => werkflow.digest.savePreference(principalOf(request).user.id, request.body),
  );
  app.get(
    '/api/sandbox',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['sandbox'],
        summary: 'Whether this server runs in sandbox mode, and its clock',
        response: {
          200: Type.Object({ sandbox: Type.Boolean(), now: Type.String({ format: 'date-time' }) }),
        },
      },
    },
    async () => ({
      sandbox: werkflow.clock instanceof SandboxClock,
      now: new Date(werkflow.clock.now()).toISOString(),
    }),
  );
  app.post(
    '/api/sandbox/clock/advance',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['sandbox'],
        summary: 'Move the sandbox clock forward (e.g. "3d", "2h") and run what falls due',
        body: Type.Object({ duration: Type.String({ examples: ['3d', '12h', '1w'] }) }),
        response: {
          200: Type.Object({
            now: Type.String({ format: 'date-time' }),
            executed: Type.Integer(),
            markedDue: Type.Integer(),
            expired: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const clock = werkflow.clock;
      if (!(clock instanceof SandboxClock)) {
        throw new WerkflowError(
          'invalid_state',
          'This server does not run in sandbox mode; start it with `werkflow serve --sandbox` to move the clock.',
        );
      }
      let ms: number;
      try {
        ms = parseDuration(request.body.duration);
      } catch (error) {
        throw new WerkflowError('validation_failed', (error as Error).message, { path: 'duration' });
      }
      clock.advance(ms);
      const report = await werkflow.scheduler.tick();
      return {
        now: new Date(clock.now()).toISOString(),
        executed: report.executed,
        markedDue: report.markedDue,
        expired: report.expired,
      };
    },
  );
}

/**
 * A due time computed step by step, for the "why (not) / when" explanation of a template on a
 * dossier: what the timing counts from, which days a working-day count skipped and why (weekend,
 * a named holiday, a closing day), and the result. The due time itself always comes from
 * computeDueTime, so the explanation can never disagree with what the engine stamps.
 */
import { DateTime } from 'luxon';
import { dutchPublicHolidays } from './holidays.js';
import { type Calendar, type Timing, computeDueTime } from './timing.js';
import { addLocalDays, isoWeekday, isWorkingDay } from './working-days.js';

/** One step of the computation: a code and its values (dates 'YYYY-MM-DD', instants as ISO text). */
export type TimingStep =
  | { readonly code: 'timing.anchorEvent'; readonly params: { readonly at: string } }
  | {
      readonly code: 'timing.anchorField';
      readonly params: { readonly field: string; readonly value: string };
    }
  | { readonly code: 'timing.anchorEmpty'; readonly params: { readonly field: string } }
  | {
      readonly code: 'timing.offset';
      readonly params: { readonly offset: number; readonly unit: Timing['unit'] };
    }
  | { readonly code: 'timing.skippedWeekend'; readonly params: { readonly dates: readonly string[] } }
  | {
      readonly code: 'timing.skippedHoliday';
      readonly params: { readonly date: string; readonly nameNl: string; readonly nameEn: string };
    }
  | { readonly code: 'timing.atTime'; readonly params: { readonly time: string } }
  | { readonly code: 'timing.due'; readonly params: { readonly at: string } };

export interface TimingExplanation {
  readonly dueAt: number | null;
  readonly steps: readonly TimingStep[];
}

/** The name of a non-working day that is not a weekend day: a Dutch holiday, or the organisation's closing day. */
function holidayName(date: string): { nl: string; en: string } {
  const year = Number(date.slice(0, 4));
  // Every day an organisation may have switched on, so an optional holiday is named too.
  const found = dutchPublicHolidays(year, { goodFriday: true }).find((h) => h.date === date);
  return found?.name ?? { nl: 'sluitingsdag', en: 'closing day' };
}

/**
 * The steps from anchor to due time. For working days every skipped day between the anchor and
 * the result is named: consecutive weekend days as one step, each holiday on its own.
 *
 * @example explainTiming({ anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays', atTime: '09:00' },
 *   { eventAt, fieldValue: '2026-01-12' }, calendar)
 * // anchorField 2026-01-12 (a Monday), offset -2 workingDays, skippedWeekend [2026-01-10, 2026-01-11],
 * // atTime 09:00, due 2026-01-08T08:00:00.000Z (Thursday 8 January, 09:00 in Amsterdam)
 */
export function explainTiming(
  timing: Timing,
  input: { eventAt: number; fieldValue?: string | null },
  calendar: Calendar,
): TimingExplanation {
  const steps: TimingStep[] = [];
  const anchor = timing.anchor;
  if (anchor.type === 'event') steps.push({ code: 'timing.anchorEvent', params: { at: iso(input.eventAt) } });
  const dueAt = computeDueTime(timing, input, calendar);
  if (anchor.type === 'field') {
    const value = input.fieldValue?.trim() ?? '';
    if (dueAt === null || value === '') {
      steps.push({ code: 'timing.anchorEmpty', params: { field: anchor.field } });
      return { dueAt: null, steps };
    }
    steps.push({ code: 'timing.anchorField', params: { field: anchor.field, value } });
  }
  if (dueAt === null) return { dueAt, steps };
  if (timing.offset !== 0)
    steps.push({ code: 'timing.offset', params: { offset: timing.offset, unit: timing.unit } });
  if (timing.unit === 'workingDays' && timing.offset !== 0) {
    const anchorAt = computeDueTime({ anchor, offset: 0, unit: 'minutes' }, input, calendar)!;
    const from = localDate(anchorAt, calendar.timeZone);
    const to = localDate(dueAt, calendar.timeZone);
    const step = Math.sign(timing.offset);
    let weekend: string[] = [];
    const flush = () => {
      if (weekend.length > 0)
        steps.push({ code: 'timing.skippedWeekend', params: { dates: weekend.sort() } });
      weekend = [];
    };
    for (let day = addLocalDays(from, step); day !== to; day = addLocalDays(day, step)) {
      if (isWorkingDay(day, calendar)) {
        flush();
        continue;
      }
      if (isoWeekday(day) >= 6) {
        weekend.push(day);
        continue;
      }
      flush();
      const name = holidayName(day);
      steps.push({ code: 'timing.skippedHoliday', params: { date: day, nameNl: name.nl, nameEn: name.en } });
    }
    flush();
  }
  if (timing.atTime !== undefined) steps.push({ code: 'timing.atTime', params: { time: timing.atTime } });
  steps.push({ code: 'timing.due', params: { at: iso(dueAt) } });
  return { dueAt, steps };
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

function localDate(instant: number, timeZone: string): string {
  return DateTime.fromMillis(instant, { zone: timeZone }).toISODate()!;
}

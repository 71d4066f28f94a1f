/**
 * Timing arithmetic: due times, expiry, working days and Dutch holidays. Pure; the time is
 * always passed in as epoch milliseconds (UTC).
 */
export {
  computeDueTime,
  describeTiming,
  MAX_TIMING_OFFSET,
  shiftInstant,
  TIMING_UNITS,
  validateTiming,
  type Calendar,
  type Timing,
  type TimingAnchor,
  type TimingUnit,
} from './timing.js';
export { computeExpiry, validateExpiry, type Expiry } from './expiry.js';
export {
  DEFAULT_TIME_ZONE,
  dutchPublicHolidays,
  easterSunday,
  holidayCalendar,
  isLustrumYear,
  nextHolidays,
  type Holiday,
  type HolidayOptions,
} from './holidays.js';
export { addLocalDays, addWorkingDays, isLocalDate, isoWeekday, isWorkingDay } from './working-days.js';

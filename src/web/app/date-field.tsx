/**
 * The one date field and date-time field of the UI: typed and picked the UI language's way
 * (Dutch dd-mm-jjjj with Dutch month names, English dd/mm/yyyy), not the browser's, with Mantine's
 * DateInput (its calendar in the language through DatesProvider in main.tsx) and a 24-hour
 * TimePicker. Values stay `YYYY-MM-DD` and, for a date-time, the wall clock `YYYY-MM-DDTHH:mm` of
 * the organisation's zone (the caller converts with fromZoned/toZoned, as before).
 */
import { Group, Input } from '@mantine/core';
import { DateInput, TimePicker } from '@mantine/dates';
import { type KeyboardEvent, type ReactNode, useId } from 'react';
import { dateFormat, datePlaceholder, parseDate } from './date-text.js';
import { useI18n } from './i18n.js';

export interface DateFieldProps {
  readonly label: ReactNode;
  /** `YYYY-MM-DD`, or '' / null for none. */
  readonly value: string | null;
  /** `YYYY-MM-DD` once a whole date is typed or picked; null when cleared. */
  readonly onChange: (value: string | null) => void;
  readonly description?: ReactNode;
  readonly error?: ReactNode;
  readonly required?: boolean;
  readonly clearable?: boolean;
  readonly placeholder?: string;
  readonly minDate?: string;
  readonly maxDate?: string;
  readonly w?: number | string;
  readonly size?: 'xs' | 'sm';
  readonly disabled?: boolean;
  readonly onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
  readonly 'data-testid'?: string;
}

/** A calendar date, typed (dd-mm-jjjj / dd/mm/yyyy, or ISO pasted) or picked. */
export function DateField({ value, onChange, placeholder, clearable = true, ...rest }: DateFieldProps) {
  const { lang, t } = useI18n();
  return (
    <DateInput
      {...rest}
      value={value || null}
      onChange={(v) => onChange(v ? v.slice(0, 10) : null)}
      valueFormat={dateFormat(lang)}
      dateParser={parseDate}
      placeholder={placeholder ?? datePlaceholder(lang)}
      clearable={clearable && !rest.required}
      popoverProps={{ withinPortal: true }}
      clearButtonProps={{ 'aria-label': t('date.clear') }}
      previousLabel={t('date.previous')}
      nextLabel={t('date.next')}
      // Days of the months around are not offered (their pale text is too faint to read).
      hideOutsideDates
    />
  );
}

export interface DateTimeFieldProps extends Omit<DateFieldProps, 'value' | 'onChange' | 'placeholder'> {
  /** The wall clock `YYYY-MM-DDTHH:mm`, or '' / null for none. */
  readonly value: string | null;
  readonly onChange: (value: string | null) => void;
  /** The time a newly picked day gets (default 09:00). */
  readonly defaultTime?: string;
}

/** A date and a time of day (24 hours) side by side; a wall-clock value once both are whole. */
export function DateTimeField({
  label,
  value,
  onChange,
  description,
  error,
  defaultTime = '09:00',
  w,
  ...rest
}: DateTimeFieldProps) {
  const { t } = useI18n();
  // The group is named by the wrapper's label, whose id is given here (not Mantine's own scheme).
  const labelId = useId();
  const date = value ? value.slice(0, 10) : '';
  const time = value ? value.slice(11, 16) : '';
  return (
    <Input.Wrapper
      label={label}
      description={description}
      error={error}
      required={rest.required}
      w={w}
      size={rest.size}
      labelElement="div"
      labelProps={{ id: labelId }}
    >
      <Group gap="xs" wrap="nowrap" align="flex-start" role="group" aria-labelledby={labelId}>
        <DateField
          {...rest}
          label={t('date.day')}
          value={date}
          clearable={!rest.required}
          onChange={(d) => onChange(d ? `${d}T${time || defaultTime}` : null)}
          error={error ? true : undefined}
        />
        <TimeField
          label={t('date.time')}
          size={rest.size}
          value={time}
          disabled={rest.disabled || !date}
          required={rest.required}
          onChange={(hhmm) => date && hhmm && onChange(`${date}T${hhmm}`)}
          error={error ? true : undefined}
        />
      </Group>
    </Input.Wrapper>
  );
}

export interface TimeFieldProps {
  readonly label: ReactNode;
  /** `HH:mm`, or '' for none. */
  readonly value: string;
  /** `HH:mm` once hours and minutes are whole; '' when cleared. */
  readonly onChange: (value: string) => void;
  readonly description?: ReactNode;
  readonly error?: ReactNode;
  readonly required?: boolean;
  readonly disabled?: boolean;
  readonly size?: 'xs' | 'sm';
  readonly w?: number | string;
}

/** A time of day on the 24-hour clock in every language (not the browser's AM/PM). */
export function TimeField({ value, onChange, w = 110, ...rest }: TimeFieldProps) {
  const { t } = useI18n();
  return (
    <TimePicker
      {...rest}
      w={w}
      format="24h"
      value={value}
      hoursInputLabel={t('date.hours')}
      minutesInputLabel={t('date.minutes')}
      onChange={(v) => {
        const hhmm = v.slice(0, 5);
        if (v === '' || /^\d{2}:\d{2}$/.test(hhmm)) onChange(v === '' ? '' : hhmm);
      }}
    />
  );
}

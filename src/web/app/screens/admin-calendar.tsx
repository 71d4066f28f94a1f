/**
 * Beheer → Kalender and Beheer → Dagelijks overzicht. The calendar (GET/PUT /api/settings/calendar):
 * the organisation's time zone, the two holiday options, its own closing days and the public
 * holidays it works on, and the next days off the server computes from them. Everyone who reads
 * dossiers may see it; only holders of the right `admin` may change it (the others see why not).
 * The digest: the organisation's switch and time (admin), and the reader's own preference.
 */
import { Alert, Button, Group, List, Select, Stack, Switch, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { type GetResult, api } from '../api.js';
import { type FieldNamer, fieldErrors } from '../errors.js';
import { DEFAULT_TIME_ZONE, type Key, useFormats, useI18n } from '../i18n.js';
import { useCan } from '../session.js';
import { Query, notify } from '../ui.js';
import { AdminSection, RowAction, SettingsForm } from './admin-common.js';
import { DateField, TimeField } from '../date-field.js';

type Calendar = GetResult<'/api/settings/calendar'>;
type DigestSettings = GetResult<'/api/settings/digest'>;
type DigestPreference = GetResult<'/api/auth/me/digest'>;
type DateList = 'extraHolidays' | 'removedHolidays';

const CALENDAR_KEY = ['settings', 'calendar'];

/** The IANA zones the browser knows, with the saved one (and the default) always among them. */
function timeZones(saved: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([DEFAULT_TIME_ZONE, saved, ...known])].sort();
}

/** The messages of the server per form field, whatever the path below it (`extraHolidays/0`). */
function byField(errors: Record<string, string>, field: string): string | undefined {
  const texts = Object.entries(errors)
    .filter(([path]) => path === field || path.startsWith(`${field}/`) || path.startsWith(`${field}.`))
    .map(([, text]) => text);
  return texts.length > 0 ? [...new Set(texts)].join(' ') : undefined;
}

export function CalendarView() {
  const calendar = useQuery({
    queryKey: CALENDAR_KEY,
    queryFn: () => api<Calendar>('GET', '/api/settings/calendar'),
  });
  return <Query query={calendar}>{(stored) => <CalendarForm stored={stored} />}</Query>;
}

function CalendarForm({ stored }: { stored: Calendar }) {
  const i18n = useI18n();
  const { t } = i18n;
  const formats = useFormats();
  const client = useQueryClient();
  const canChange = useCan('admin');
  const [values, setValues] = useState(() => ({
    timeZone: stored.timeZone,
    goodFriday: stored.goodFriday,
    liberationDayLustrumOnly: stored.liberationDayLustrumOnly,
    extraHolidays: [...stored.extraHolidays].sort(),
    removedHolidays: [...stored.removedHolidays].sort(),
  }));
  const zones = useMemo(() => timeZones(stored.timeZone), [stored.timeZone]);
  const label = (field: string) => i18n.tOr(`admin.cal.${field}`, field);
  const namer: FieldNamer = (path) => label(path.split(/[./]/)[0]!);
  const save = useMutation({
    mutationFn: () => api<Calendar>('PUT', '/api/settings/calendar', values),
    onSuccess: (saved) => {
      client.setQueryData(CALENDAR_KEY, saved);
      notify(t('admin.cal.saved'));
    },
  });
  const errors = fieldErrors(i18n, save.error, namer);
  const setList = (field: DateList, list: string[]) =>
    setValues((old) => ({ ...old, [field]: [...new Set(list)].sort() }));

  return (
    <Stack gap="xl">
      <SettingsForm
        id="cal-heading"
        title={t('admin.view.calendar')}
        intro={t('admin.cal.intro')}
        notice={
          !canChange && (
            <Alert color="gray" mb="md" maw={720} data-testid="read-only">
              {t('admin.cal.readOnly')}
            </Alert>
          )
        }
        save={save}
        name={namer}
        canSave={canChange}
      >
        <Select
          label={label('timeZone')}
          description={t('admin.cal.timeZone.help')}
          data={zones}
          searchable
          allowDeselect={false}
          disabled={!canChange}
          value={values.timeZone}
          onChange={(zone) => zone && setValues((old) => ({ ...old, timeZone: zone }))}
          error={byField(errors, 'timeZone')}
          comboboxProps={{ withinPortal: true }}
        />
        <Switch
          label={label('goodFriday')}
          description={t('admin.cal.goodFriday.help')}
          checked={values.goodFriday}
          disabled={!canChange}
          onChange={(e) => {
            const checked = e.currentTarget.checked;
            setValues((old) => ({ ...old, goodFriday: checked }));
          }}
          error={byField(errors, 'goodFriday')}
        />
        <Switch
          label={label('liberationDayLustrumOnly')}
          description={t('admin.cal.liberationDayLustrumOnly.help')}
          checked={values.liberationDayLustrumOnly}
          disabled={!canChange}
          onChange={(e) => {
            const checked = e.currentTarget.checked;
            setValues((old) => ({ ...old, liberationDayLustrumOnly: checked }));
          }}
          error={byField(errors, 'liberationDayLustrumOnly')}
        />
        {(['extraHolidays', 'removedHolidays'] as const).map((field) => (
          <DateListField
            key={field}
            field={field}
            dates={values[field]}
            canChange={canChange}
            error={byField(errors, field)}
            onChange={(list) => setList(field, list)}
          />
        ))}
      </SettingsForm>
      <AdminSection id="next-holidays-heading" title={t('admin.cal.next')}>
        <Text c="dimmed" size="sm" mb="xs" maw={720}>
          {t('admin.cal.next.intro', { zone: stored.timeZone })}
        </Text>
        <List data-testid="next-holidays" spacing={4}>
          {stored.nextHolidays.map((day) => (
            <List.Item key={day.date}>
              <Text span fw={600}>
                {formats.day(day.date)}
              </Text>{' '}
              — {i18n.label(day.name)}
            </List.Item>
          ))}
        </List>
      </AdminSection>
    </Stack>
  );
}

function DateListField({
  field,
  dates,
  canChange,
  error,
  onChange,
}: {
  field: DateList;
  dates: string[];
  canChange: boolean;
  error: string | undefined;
  onChange: (dates: string[]) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const formats = useFormats();
  const [draft, setDraft] = useState('');
  const title = t(`admin.cal.${field}` as Key);
  const headingId = `cal-${field}`;
  const add = () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(draft)) return;
    onChange([...dates, draft]);
    setDraft('');
  };
  return (
    <section aria-labelledby={headingId}>
      <Text fw={600} id={headingId}>
        {title}
      </Text>
      <Text c="dimmed" size="sm" mb={4}>
        {t(`admin.cal.${field}.help` as Key)}
      </Text>
      {dates.length === 0 ? (
        <Text size="sm" data-testid={`${field}-empty`}>
          {t('admin.cal.noDates')}
        </Text>
      ) : (
        <List data-testid={field} spacing={4} listStyleType="none">
          {dates.map((date) => (
            <List.Item key={date}>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm">{formats.day(date)}</Text>
                {canChange && (
                  <RowAction
                    label={t('admin.cal.remove')}
                    named={t('admin.cal.removeNamed', { date: formats.day(date), list: title })}
                    danger
                    onClick={() => onChange(dates.filter((d) => d !== date))}
                  />
                )}
              </Group>
            </List.Item>
          ))}
        </List>
      )}
      {error && (
        <Text c="red" size="sm" role="alert">
          {error}
        </Text>
      )}
      {canChange && (
        <Group align="flex-end" mt="xs" gap="xs">
          <DateField
            label={t('admin.cal.date', { list: title })}
            value={draft}
            onChange={(v) => setDraft(v ?? '')}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <Button variant="default" onClick={add} disabled={draft === ''}>
            {t('admin.cal.add')}
          </Button>
        </Group>
      )}
    </section>
  );
}

export function DigestView() {
  const isAdmin = useCan('admin');
  return (
    <Stack gap="xl">
      {isAdmin && <OrganisationDigest />}
      <MyDigest />
    </Stack>
  );
}

function OrganisationDigest() {
  const settings = useQuery({
    queryKey: ['settings', 'digest'],
    queryFn: () => api<DigestSettings>('GET', '/api/settings/digest'),
  });
  return <Query query={settings}>{(stored) => <OrganisationDigestForm stored={stored} />}</Query>;
}

function OrganisationDigestForm({ stored }: { stored: DigestSettings }) {
  const i18n = useI18n();
  const { t } = i18n;
  const formats = useFormats();
  const client = useQueryClient();
  const [values, setValues] = useState(stored);
  const namer: FieldNamer = (path) =>
    path === 'time' ? t('admin.digest.time') : path === 'enabled' ? t('admin.digest.enabled') : undefined;
  const save = useMutation({
    mutationFn: () => api<DigestSettings>('PUT', '/api/settings/digest', values),
    onSuccess: (saved) => {
      client.setQueryData(['settings', 'digest'], saved);
      notify(t('admin.digest.saved'));
    },
  });
  const errors = fieldErrors(i18n, save.error, namer);
  return (
    <SettingsForm
      id="digest-heading"
      title={t('admin.view.digest')}
      intro={t('admin.digest.intro')}
      save={save}
      name={namer}
    >
      <Switch
        label={t('admin.digest.enabled')}
        description={t('admin.digest.enabled.help')}
        checked={values.enabled}
        onChange={(e) => {
          const checked = e.currentTarget.checked;
          setValues((old) => ({ ...old, enabled: checked }));
        }}
        error={errors.enabled}
      />
      <TimeField
        w={200}
        label={t('admin.digest.time')}
        description={t('admin.digest.time.help', { zone: formats.timeZone })}
        value={values.time}
        onChange={(time) => setValues((old) => ({ ...old, time }))}
        error={errors.time}
      />
    </SettingsForm>
  );
}

export function MyDigest() {
  const preference = useQuery({
    queryKey: ['me', 'digest'],
    queryFn: () => api<DigestPreference>('GET', '/api/auth/me/digest'),
  });
  return <Query query={preference}>{(stored) => <MyDigestForm stored={stored} />}</Query>;
}

function MyDigestForm({ stored }: { stored: DigestPreference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [values, setValues] = useState(stored);
  const save = useMutation({
    mutationFn: () => api<DigestPreference>('PUT', '/api/auth/me/digest', values),
    onSuccess: (saved) => {
      client.setQueryData(['me', 'digest'], saved);
      notify(t('admin.digest.me.saved'));
    },
  });
  return (
    <SettingsForm
      id="my-digest-heading"
      title={t('admin.digest.me')}
      intro={t('admin.digest.me.intro')}
      save={save}
    >
      <Switch
        label={t('admin.digest.me.enabled')}
        checked={values.enabled}
        onChange={(e) => {
          const checked = e.currentTarget.checked;
          setValues((old) => ({ ...old, enabled: checked }));
        }}
      />
      <Select
        maw={240}
        label={t('admin.digest.me.language')}
        data={[
          { value: 'nl', label: t('admin.digest.me.nl') },
          { value: 'en', label: t('admin.digest.me.en') },
        ]}
        allowDeselect={false}
        value={values.language}
        onChange={(language) =>
          (language === 'nl' || language === 'en') && setValues((old) => ({ ...old, language }))
        }
        comboboxProps={{ withinPortal: true }}
      />
    </SettingsForm>
  );
}

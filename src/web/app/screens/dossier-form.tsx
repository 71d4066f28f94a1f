/**
 * Create and edit a dossier with a form generated from its type: one input per field, of the
 * field's kind (text, number, money, yes/no, date, date and time, e-mail, phone, option, status,
 * another dossier picked by name, a user or team by name). An edit sends only what changed, with
 * the version it read; when someone else saved in between, the form says who changed which
 * fields and offers to load the newest version.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError, type Dossier, type DossierType, type FieldDef, api, apiPath } from '../api.js';
import { dossierTitle, useDossier, useDossierTypes } from '../dossier-types.js';
import { ErrorAlert, fieldErrors } from '../errors.js';
import { fromZoned, toZoned, useI18n, useTimeZone } from '../i18n.js';
import { BackLink, PageHead, Query, notify } from '../ui.js';
import { DossierPicker, usePeople } from './fields.js';
import { DateField, DateTimeField } from '../date-field.js';

type Values = Record<string, unknown>;

/** The value of one field, entered the field's way. */
function FieldInput({
  field,
  type,
  value,
  onChange,
  error,
}: {
  field: FieldDef;
  type: DossierType;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
}) {
  const i18n = useI18n();
  const { label: tl } = i18n;
  const timeZone = useTimeZone();
  const people = usePeople(field.kind === 'team' ? 'team' : 'user');
  const label = tl(field.label);
  const common = { label, error, withAsterisk: field.required === true };
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'boolean':
      return (
        <Checkbox
          label={label}
          error={error}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          mt="lg"
        />
      );
    case 'number':
    case 'money':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : null)}
          decimalScale={field.kind === 'money' ? 2 : undefined}
          fixedDecimalScale={field.kind === 'money'}
          prefix={field.kind === 'money' ? '€ ' : undefined}
          decimalSeparator={i18n.lang === 'nl' ? ',' : '.'}
          thousandSeparator={i18n.lang === 'nl' ? '.' : ','}
        />
      );
    case 'date':
      return <DateField {...common} value={text} onChange={(v) => onChange(v)} />;
    case 'datetime':
      return (
        <DateTimeField
          {...common}
          value={text ? toZoned(text, timeZone) : ''}
          onChange={(v) => onChange(v ? fromZoned(v, timeZone) : null)}
        />
      );
    case 'longText':
      return (
        <Textarea
          {...common}
          autosize
          minRows={3}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'enum':
    case 'status': {
      const data =
        field.kind === 'status'
          ? [...type.statuses]
              .sort((a, b) => a.order - b.order)
              .map((s) => ({ value: s.code, label: tl(s.label) }))
          : (field.options ?? []).map((o) => ({ value: o.code, label: tl(o.label) }));
      return (
        <Select
          {...common}
          searchable
          clearable={!field.required}
          value={text || null}
          onChange={(v) => onChange(v)}
          data={data}
          comboboxProps={{ withinPortal: true }}
        />
      );
    }
    case 'reference':
      return (
        <DossierPicker
          type={field.refType ?? ''}
          label={label}
          value={text || null}
          onChange={onChange}
          error={error}
          required={field.required === true}
        />
      );
    case 'user':
    case 'team':
      return (
        <Select
          {...common}
          searchable
          clearable={!field.required}
          value={text || null}
          onChange={(v) => onChange(v)}
          data={people ?? []}
          comboboxProps={{ withinPortal: true }}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          type={field.kind === 'email' ? 'email' : field.kind === 'phone' ? 'tel' : 'text'}
          autoComplete="off"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

/** Empty inputs are no value: `null` clears a field on an edit and is left out of a create. */
function normalise(value: unknown): unknown {
  if (value === '' || value === undefined) return null;
  return value;
}

/** The fields whose value differs from the dossier's, for a PATCH. */
function changedData(type: DossierType, before: Values, after: Values): Values {
  const out: Values = {};
  for (const field of type.fields) {
    const a = normalise(before[field.key]);
    const b = normalise(after[field.key]);
    if (JSON.stringify(a) !== JSON.stringify(b)) out[field.key] = b;
  }
  return out;
}

/**
 * The conflict of a stale write in words: who changed which fields, and a button to load them;
 * for the edit form, or (`of="status"`) for the one-click status control.
 */
export function ConflictAlert({
  error,
  type,
  onReload,
  of = 'form',
}: {
  error: ApiError;
  type: DossierType;
  onReload: () => void;
  of?: 'form' | 'status';
}) {
  const { t, label } = useI18n();
  const fields = String(error.params.fields ?? '')
    .split(',')
    .filter(Boolean)
    .map((k) => label(type.fields.find((f) => f.key === k)?.label, k));
  const by = String(error.params.by ?? '')
    .split(', ')
    .map((b) => (b === 'automatic' ? t('dossiers.actor.automatic') : b))
    .join(', ');
  return (
    <Alert color="red" role="alert" data-testid="conflict">
      <Stack gap="xs">
        <Text fw={700}>{t('dossiers.conflict.title')}</Text>
        <span>
          {t(
            of === 'status'
              ? fields.length > 0
                ? 'dossiers.conflict.statusText'
                : 'dossiers.conflict.statusTextNoFields'
              : fields.length > 0
                ? 'dossiers.conflict.text'
                : 'dossiers.conflict.textNoFields',
            {
              by: by || t('dossiers.conflict.someone'),
              fields: fields.join(', '),
            },
          )}
        </span>
        <Group>
          <Button onClick={onReload}>{t('dossiers.conflict.reload')}</Button>
        </Group>
      </Stack>
    </Alert>
  );
}

/** The form itself, for a new dossier (`dossier` null) or an existing one. */
function DossierForm({
  type,
  dossier,
  initial,
}: {
  type: DossierType;
  dossier: Dossier | null;
  initial: Values;
}) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const [values, setValues] = useState<Values>(initial);
  const [base, setBase] = useState<Dossier | null>(dossier);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const detail = (id: string) => `/dossiers/${encodeURIComponent(type.key)}/${encodeURIComponent(id)}`;
  const name = (path: string) => {
    const key = path.startsWith('data.') ? path.slice(5) : path;
    const field = type.fields.find((f) => f.key === key);
    return field ? label(field.label) : undefined;
  };
  const errors = fieldErrors(i18n, error, name);
  const conflict = error instanceof ApiError && error.code === 'version_conflict' ? error : null;

  const reload = async () => {
    if (!base) return;
    const latest = await api<Dossier>('GET', apiPath('dossiers', type.key, base.id));
    setBase(latest);
    setValues({ ...latest.data });
    setError(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let saved: Dossier;
      if (base) {
        const data = changedData(type, base.data, values);
        saved = await api<Dossier>(
          'PATCH',
          apiPath('dossiers', type.key, base.id),
          { data },
          {
            'If-Match': `"${base.version}"`,
          },
        );
      } else {
        const data = Object.fromEntries(
          Object.entries(values).filter(([, v]) => normalise(v) !== null),
        ) as Values;
        saved = await api<Dossier>('POST', apiPath('dossiers', type.key), { data });
      }
      await client.invalidateQueries({ queryKey: ['dossiers', type.key] });
      await client.invalidateQueries({ queryKey: ['actions'] });
      notify(t('dossiers.saved', { title: dossierTitle(type, saved) }));
      navigate(detail(saved.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack>
        {conflict ? (
          <ConflictAlert error={conflict} type={type} onReload={() => void reload()} />
        ) : (
          <ErrorAlert error={error} name={name} />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
          {type.fields.map((field) => (
            <FieldInput
              key={field.key}
              field={field}
              type={type}
              value={values[field.key]}
              onChange={(v) => setValues((old) => ({ ...old, [field.key]: v }))}
              error={errors[`data.${field.key}`]}
            />
          ))}
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={busy} disabled={conflict !== null}>
            {t(base ? 'dossiers.save' : 'dossiers.create')}
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(base ? detail(base.id) : `/dossiers/${encodeURIComponent(type.key)}`)}
          >
            {t('cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** `/dossiers/{type}/new`: a new dossier; query parameters fill fields (`?training=<id>`). */
export function NewDossierPage({ type: key }: { type: string }) {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const params = new URLSearchParams(useSearch());
  return (
    <Query query={types}>
      {(list) => {
        const type = list.find((x) => x.key === key);
        if (!type) return <ErrorAlert error={new ApiError('', 404, 'not_found', 'type', {}, [])} />;
        const initial: Values = {};
        for (const field of type.fields) {
          const given = params.get(field.key);
          if (given !== null) initial[field.key] = given;
        }
        if (type.fields.some((f) => f.kind === 'status') && initial.status === undefined) {
          const first = [...type.statuses].filter((s) => s.active).sort((a, b) => a.order - b.order)[0];
          if (first) initial.status = first.code;
        }
        return (
          <>
            <BackLink href={`/dossiers/${encodeURIComponent(key)}`} />
            <PageHead title={t('dossiers.new.title', { type: label(type.label) })} />
            <DossierForm type={type} dossier={null} initial={initial} />
          </>
        );
      }}
    </Query>
  );
}

/** `/dossiers/{type}/{id}/edit`: change a dossier. */
export function EditDossierPage({ type: key, id }: { type: string; id: string }) {
  const { t } = useI18n();
  const types = useDossierTypes();
  const dossier = useDossier(key, id);
  const type = types.data?.find((x) => x.key === key);
  return (
    <>
      <BackLink href={`/dossiers/${encodeURIComponent(key)}/${encodeURIComponent(id)}`} />
      <Query query={dossier}>
        {(d) =>
          type ? (
            <>
              <PageHead title={t('dossiers.edit.title', { title: dossierTitle(type, d) })} />
              <DossierForm key={d.id} type={type} dossier={d} initial={{ ...d.data }} />
            </>
          ) : null
        }
      </Query>
    </>
  );
}

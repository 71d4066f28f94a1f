/**
 * Fields of a dossier type for pickers: its own fields and those reached through references
 * ("Opleiding › Startdatum" = `training.startDate`), and a value picker that fits the field
 * (statuses, enum options, yes/no, users, teams, referenced dossiers by name, numbers, dates).
 */
import { MultiSelect, NumberInput, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type DossierType, type FieldDef, type Page, type Dossier, api, apiPath, withQuery } from '../api.js';
import { dossierTitle, useDossier, useDossierTypes, usePeopleList } from '../dossier-types.js';
import { type I18n, lang, useI18n } from '../i18n.js';

export interface FieldPath {
  readonly path: string;
  readonly label: string;
  readonly field: FieldDef;
  /** The dossier type the field belongs to (the referenced one for `training.startDate`). */
  readonly owner: DossierType;
}

/** The fields of `root` and, following references up to `depth` links (Econobis mails reach `opportunity.intake.contact.email`), of the dossiers it points at. */
export function fieldPaths(types: readonly DossierType[], root: string, i18n: I18n, depth = 3): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (typeKey: string, prefix: string, labelPrefix: string, left: number) => {
    const type = types.find((t) => t.key === typeKey);
    if (!type) return;
    for (const field of type.fields) {
      const path = prefix ? `${prefix}.${field.key}` : field.key;
      const label = labelPrefix ? `${labelPrefix} › ${i18n.label(field.label)}` : i18n.label(field.label);
      out.push({ path, label, field, owner: type });
      if (field.kind === 'reference' && field.refType && left > 0) walk(field.refType, path, label, left - 1);
    }
  };
  walk(root, '', '', depth);
  return out;
}

export function useFieldPaths(root: string | undefined, depth = 3): FieldPath[] {
  const i18n = useI18n();
  const types = useDossierTypes();
  if (!root || !types.data) return [];
  return fieldPaths(types.data, root, i18n, depth);
}

/** Select data for field paths, optionally only of some kinds. */
export function pathOptions(paths: FieldPath[], kinds?: readonly string[]) {
  return paths
    .filter((p) => !kinds || kinds.includes(p.field.kind))
    .map((p) => ({ value: p.path, label: p.label }));
}

/** Dossiers of a type by their title, for reference pickers (the first 200). */
export function useDossierOptions(typeKey: string | undefined) {
  const types = useDossierTypes();
  const list = useQuery({
    queryKey: ['dossiers', typeKey, 'list', 'options'],
    queryFn: () => api<Page<Dossier>>('GET', withQuery(apiPath('dossiers', typeKey!), { limit: 200 })),
    enabled: Boolean(typeKey),
    staleTime: 60_000,
  });
  const type = types.data?.find((t) => t.key === typeKey);
  return (list.data?.items ?? []).map((d) => ({ value: d.id, label: dossierTitle(type, d) }));
}

/** Users or teams by name (GET /api/people), for user and team pickers. */
export function usePeople(kind: 'user' | 'team') {
  const list = usePeopleList();
  return list.isError
    ? null
    : ((kind === 'user' ? list.data?.users : list.data?.teams) ?? []).map((p) => ({
        value: p.id,
        label: p.name,
      }));
}

/**
 * A value of a field, picked the field's way. `multiple` for the operators `in` / `notIn` and
 * for "status set to one of".
 */
export function ValueInput({
  field,
  owner,
  value,
  onChange,
  label,
  multiple,
  error,
}: {
  field: FieldDef | undefined;
  owner: DossierType | undefined;
  value: unknown;
  onChange: (value: unknown) => void;
  label: string;
  multiple?: boolean;
  error?: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const kind = field?.kind;
  const refOptions = useDossierOptions(kind === 'reference' ? field?.refType : undefined);
  const people = usePeople(kind === 'team' ? 'team' : 'user');
  let data: { value: string; label: string }[] | null = null;
  if (kind === 'status')
    data = (owner?.statuses ?? []).map((s) => ({ value: s.code, label: i18n.label(s.label) }));
  else if (kind === 'enum')
    data = (field?.options ?? []).map((o) => ({ value: o.code, label: i18n.label(o.label) }));
  else if (kind === 'reference') data = refOptions;
  else if ((kind === 'user' || kind === 'team') && people) data = people;
  else if (kind === 'boolean' && !multiple)
    return (
      <Select
        label={label}
        error={error}
        value={value === true ? 'true' : value === false ? 'false' : null}
        onChange={(v) => onChange(v === 'true')}
        data={[
          { value: 'true', label: t('yes') },
          { value: 'false', label: t('no') },
        ]}
      />
    );
  if (data) {
    if (multiple)
      return (
        <MultiSelect
          label={label}
          error={error}
          searchable
          value={Array.isArray(value) ? value.map(String) : []}
          onChange={onChange}
          data={data}
          comboboxProps={{ withinPortal: true }}
        />
      );
    return (
      <Select
        label={label}
        error={error}
        searchable
        value={typeof value === 'string' ? value : null}
        onChange={onChange}
        data={data}
        comboboxProps={{ withinPortal: true }}
      />
    );
  }
  if (kind === 'number' || kind === 'money')
    return (
      <NumberInput
        label={label}
        error={error}
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(typeof v === 'number' ? v : null)}
      />
    );
  return (
    <TextInput
      label={label}
      error={error}
      type={kind === 'date' ? 'date' : 'text'}
      value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

/**
 * A dossier of a type, picked by its title: typing searches the server (the words in its name,
 * and in the names of what its title reads through: a participant by its person or training).
 */
export function DossierPicker({
  type,
  label,
  value,
  onChange,
  mb,
  error,
  required,
}: {
  type: string;
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
  mb?: string;
  error?: string;
  required?: boolean;
}) {
  const { t } = useI18n();
  const types = useDossierTypes();
  const def = types.data?.find((d) => d.key === type);
  const [search, setSearch] = useState('');
  const [words] = useDebouncedValue(search, 250);
  const selected = useDossier(type, value);
  const selectedTitle = selected.data ? dossierTitle(def, selected.data) : undefined;
  // The selected dossier's own title in the box is no search.
  const q = words === selectedTitle ? '' : words;
  const found = useQuery({
    queryKey: ['dossiers', type, 'pick', q, lang()],
    queryFn: () => api<Page<Dossier>>('GET', withQuery(apiPath('dossiers', type), { q, limit: 20 })),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const options = (found.data?.items ?? []).map((d) => ({ value: d.id, label: dossierTitle(def, d) }));
  if (value && !options.some((o) => o.value === value))
    options.unshift({ value, label: selectedTitle ?? t('loading') });
  return (
    <Select
      label={label}
      searchable
      clearable={!required}
      withAsterisk={required}
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: all }) => all}
      data={options}
      error={error}
      nothingFoundMessage={found.isFetching ? t('loading') : t('empty')}
      comboboxProps={{ withinPortal: true }}
      mb={mb}
    />
  );
}

/** A dossier of a type, chosen by its title (searched on the server). */
export function DossierSelect(props: {
  type: string;
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
  mb?: string;
}) {
  return <DossierPicker {...props} />;
}

/**
 * Beheer → Organisatie: the organisation that sends the mail, the `{{ organisation.* }}` merge
 * fields of every e-mail template (GET/PUT /api/email/settings, the `organisation` part only; the
 * blocked domains and test mode stay as they are).
 */
import { SimpleGrid, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import { type FieldNamer, fieldErrors } from '../errors.js';
import { useI18n } from '../i18n.js';
import { Query, notify } from '../ui.js';
import { SettingsForm } from './admin-common.js';

/** The fields of the organisation, in the order the server lists them (its `organisation.*` keys). */
type Organisation = Record<string, string | null>;

const INPUT_TYPE: Record<string, string> = { email: 'email', phone: 'tel', website: 'url' };

export function OrganisationView() {
  const settings = useQuery({
    queryKey: ['admin', 'organisation'],
    queryFn: async () =>
      (await api<{ organisation: Organisation }>('GET', '/api/email/settings')).organisation,
  });
  return <Query query={settings}>{(organisation) => <OrganisationForm stored={organisation} />}</Query>;
}

function OrganisationForm({ stored }: { stored: Organisation }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const fields = Object.keys(stored);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((k) => [k, stored[k] ?? ''])),
  );
  const fieldLabel = (field: string) => i18n.tOr(`admin.org.${field}`, field);
  const namer: FieldNamer = (path) => {
    const field = path.replace(/^organisation\./, '');
    return fields.includes(field) ? fieldLabel(field) : undefined;
  };
  const save = useMutation({
    mutationFn: () =>
      api('PUT', '/api/email/settings', {
        organisation: Object.fromEntries(fields.map((k) => [k, values[k]?.trim() || null])),
      }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['admin', 'organisation'] });
      notify(t('admin.org.saved'));
    },
  });
  const errors = fieldErrors(i18n, save.error, namer);
  const input = (field: string) => (
    <TextInput
      key={field}
      label={fieldLabel(field)}
      description={`{{ organisation.${field} }}`}
      type={INPUT_TYPE[field] ?? 'text'}
      value={values[field] ?? ''}
      onChange={(e) => {
        const value = e.currentTarget.value;
        setValues((old) => ({ ...old, [field]: value }));
      }}
      error={errors[`organisation.${field}`]}
    />
  );
  return (
    <SettingsForm
      id="org-heading"
      title={t('admin.view.organisation')}
      intro={t('admin.org.intro')}
      save={save}
      name={namer}
      maw={900}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }}>{fields.map(input)}</SimpleGrid>
    </SettingsForm>
  );
}

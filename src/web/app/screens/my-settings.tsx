/**
 * Mijn instellingen (`/settings`, from the user menu in the header), for every signed-in person:
 * the UI's language (saved on the user), the daily digest for myself, my own API tokens (the
 * secret shown once; revoke) and changing my own password (current and new, with the rules).
 */
import { Alert, Button, List, PasswordInput, Radio, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { PASSWORD_MIN_LENGTH } from '../../../domain/auth/password-policy.js';
import { api } from '../api.js';
import { ErrorAlert, type FieldNamer, fieldErrors } from '../errors.js';
import { useI18n } from '../i18n.js';
import { useChooseLanguage } from '../language.js';
import { useMe } from '../session.js';
import { notify, PageHead } from '../ui.js';
import { AdminSection } from './admin-common.js';
import { MyDigest } from './admin-calendar.js';
import { TokensView } from './admin-tokens.js';

export function MySettingsPage() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <>
      <PageHead title={t('settings.title')} />
      <Text c="dimmed" mb="lg" maw={720}>
        {t('settings.intro', { name: me.data?.user.name ?? '' })}
      </Text>
      <Stack gap="xl" maw={960}>
        <LanguageSection />
        <MyDigest />
        <TokensView mine />
        <PasswordSection />
      </Stack>
    </>
  );
}

function LanguageSection() {
  const { t, lang } = useI18n();
  const language = useChooseLanguage();
  return (
    <AdminSection id="language-heading" title={t('settings.language')}>
      <Radio.Group
        value={lang}
        onChange={(v) => language.choose(v === 'en' ? 'en' : 'nl')}
        label={t('settings.language.label')}
        description={t('settings.language.help')}
      >
        <Stack gap="xs" mt="xs">
          <Radio value="nl" label={t('lang.nl')} lang="nl" />
          <Radio value="en" label={t('lang.en')} lang="en" />
        </Stack>
      </Radio.Group>
      <ErrorAlert error={language.error} />
    </AdminSection>
  );
}

function PasswordSection() {
  const i18n = useI18n();
  const { t } = i18n;
  const me = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const viaToken = me.data?.via === 'token';
  const namer: FieldNamer = (path) =>
    path === 'currentPassword'
      ? t('settings.password.current')
      : path === 'newPassword'
        ? t('settings.password.new')
        : undefined;
  const change = useMutation({
    mutationFn: () => api('PUT', '/api/auth/password', { currentPassword: current, newPassword: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
      setTried(false);
      notify(t('settings.password.changed'));
    },
  });
  const errors = fieldErrors(i18n, change.error, namer);
  const tooShort = [...next].length < PASSWORD_MIN_LENGTH;
  const differs = repeat !== next;
  return (
    <AdminSection id="password-heading" title={t('settings.password')}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setTried(true);
          if (current && !tooShort && !differs) change.mutate();
        }}
      >
        <Stack maw={480} gap="sm">
          <Text size="sm" id="password-rules-title" fw={600}>
            {t('settings.password.rules')}
          </Text>
          <List size="sm" aria-labelledby="password-rules-title" id="password-rules">
            <List.Item>{t('settings.password.rule.length', { n: PASSWORD_MIN_LENGTH })}</List.Item>
            <List.Item>{t('settings.password.rule.personal')}</List.Item>
            <List.Item>{t('settings.password.rule.common')}</List.Item>
            <List.Item>{t('settings.password.rule.sessions')}</List.Item>
          </List>
          {viaToken ? <Alert color="gray">{t('settings.password.token')}</Alert> : null}
          <PasswordInput
            label={t('settings.password.current')}
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={
              errors.currentPassword
                ? t('settings.password.wrong')
                : tried && !current
                  ? t('settings.password.missing')
                  : undefined
            }
          />
          <PasswordInput
            label={t('settings.password.new')}
            autoComplete="new-password"
            required
            aria-describedby="password-rules"
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            error={
              errors.newPassword ??
              (tried && tooShort
                ? t('settings.password.short', { n: PASSWORD_MIN_LENGTH, length: [...next].length })
                : undefined)
            }
          />
          <PasswordInput
            label={t('settings.password.repeat')}
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(e) => setRepeat(e.currentTarget.value)}
            error={tried && differs ? t('settings.password.differs') : undefined}
          />
          {errors.currentPassword || errors.newPassword ? null : <ErrorAlert error={change.error} />}
          <div>
            <Button type="submit" loading={change.isPending} disabled={viaToken}>
              {t('settings.password.submit')}
            </Button>
          </div>
        </Stack>
      </form>
    </AdminSection>
  );
}

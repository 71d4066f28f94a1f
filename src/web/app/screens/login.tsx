/** The log-in screen: e-mail and password; the session lives in an httpOnly cookie. */
import { Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { useI18n } from '../i18n.js';
import { type Me, useSetMe } from '../session.js';
import { LanguageSwitch } from '../ui.js';

/** The card of the log-in and reset pages. */
export function AuthCard({ title, intro, children }: { title: string; intro: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Center component="main" id="main" mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <Group justify="space-between" mb="md">
          <Text fw={700} size="lg" c="brand.9">
            {t('app.title')}
          </Text>
          <LanguageSwitch />
        </Group>
        <Title order={1} size="h2" mb="xs">
          {title}
        </Title>
        <Text c="dimmed" mb="md">
          {intro}
        </Text>
        {children}
      </Paper>
    </Center>
  );
}

export function LoginPage() {
  const { t } = useI18n();
  const setMe = useSetMe();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => api<Me>('POST', '/api/auth/login', { email, password }),
    onSuccess: (me) => setMe(me),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <AuthCard title={t('login.title')} intro={t('login.intro')}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label={t('login.email')}
            type="email"
            autoComplete="username"
            required
            data-autofocus
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label={t('login.password')}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <ErrorAlert error={login.error} />
          <Button type="submit" loading={login.isPending}>
            {t('login.submit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

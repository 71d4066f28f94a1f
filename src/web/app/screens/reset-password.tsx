/** The page a reset link opens (/reset-password?token=…): choose a new password, then log in. */
import { Button, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { PASSWORD_MIN_LENGTH } from '../../../domain/auth/password-policy.js';
import { api } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { useI18n } from '../i18n.js';
import { AuthCard } from './login.js';

export function ResetPasswordPage({ token }: { token: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [password, setPassword] = useState('');
  const reset = useMutation({
    mutationFn: () => api('POST', '/api/auth/password-reset/confirm', { token, password }),
    onSuccess: () => navigate('/login', { replace: true }),
  });
  return (
    <AuthCard title={t('reset.title')} intro={t('reset.intro')}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          reset.mutate();
        }}
      >
        <Stack>
          <PasswordInput
            id="reset-password"
            label={t('reset.password')}
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN_LENGTH}
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <ErrorAlert error={reset.error} />
          <Button type="submit" loading={reset.isPending}>
            {t('reset.submit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

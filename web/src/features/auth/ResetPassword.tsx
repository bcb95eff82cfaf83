import { Button, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrorMap } from '../../api/problem';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';
import { ErrorAlert } from '../../components/ErrorAlert';
import { TokenResult } from './TokenResult';

export function ResetPassword() {
  const t = useT();
  const { token } = useSearch({ from: '/public/reset-password' });
  const [password, setPassword] = useState('');
  const reset = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/password-reset/confirm', { body: { token: token ?? '', password } })),
  });
  const errors = fieldErrorMap(reset.error);
  // A bad token is a dead end with a way forward; a weak password is a
  // field error to fix in place.
  const tokenFailed = !token || (reset.error instanceof ApiError && !!errors.token);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate();
  };
  if (tokenFailed || reset.isSuccess) {
    return (
      <TokenResult
        title={t('auth.resetTitle')}
        pending={false}
        error={tokenFailed ? (reset.error ?? new Error('missing')) : undefined}
        failed={token ? t('auth.resetFailed') : t('auth.missingToken')}
        done={reset.isSuccess ? t('auth.resetDone') : undefined}
        forward={
          tokenFailed && (
            <AnchorLink to="/forgot-password">
              {t('auth.askNewReset')}
            </AnchorLink>
          )
        }
      />
    );
  }
  return (
    <form onSubmit={submit}>
      <Stack>
        <TokenResult title={t('auth.resetTitle')} pending={false} error={undefined} failed="" forward={null} />
        <ErrorAlert error={errors.password ? undefined : reset.error} />
        <PasswordInput
          label={t('auth.newPassword')}
          description={t('auth.passwordHint')}
          required
          minLength={12}
          maxLength={512}
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
        />
        <Button type="submit" size="lg" loading={reset.isPending} fullWidth>
          {t('auth.resetSave')}
        </Button>
      </Stack>
    </form>
  );
}

import { Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useT } from '../../i18n';
import { TokenResult } from './TokenResult';

export function AcceptInvitation() {
  const t = useT();
  const { token } = useSearch({ from: '/public/accept-invitation' });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const accept = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/invitations/accept', { body: { token: token ?? '', ...(name ? { name } : {}), ...(password ? { password } : {}) } })),
  });
  const errors = fieldErrorMap(accept.error);
  const tokenFailed = !token || !!errors.token;
  if (tokenFailed || accept.isSuccess) {
    return (
      <TokenResult
        title={t('auth.acceptTitle')}
        pending={false}
        error={tokenFailed ? (accept.error ?? new Error('missing')) : undefined}
        failed={token ? t('auth.acceptFailed') : t('auth.missingToken')}
        done={accept.isSuccess ? t('auth.acceptDone') : undefined}
        forward={null}
      />
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <TokenResult title={t('auth.acceptTitle')} pending={false} error={undefined} failed="" forward={null} />
        <Text size="sm">{t('auth.acceptIntro')}</Text>
        <ErrorAlert error={errors.name || errors.password ? undefined : accept.error} />
        <TextInput label={`${t('auth.name')} ${t('common.optional')}`} maxLength={100} autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
        <PasswordInput
          label={`${t('auth.password')} ${t('common.optional')}`}
          description={t('auth.passwordHint')}
          maxLength={512}
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
        />
        <Button type="submit" size="lg" loading={accept.isPending} fullWidth>
          {t('auth.accept')}
        </Button>
      </Stack>
    </form>
  );
}

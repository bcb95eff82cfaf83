import { Alert, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrorMap } from '../../api/problem';
import { session } from '../../api/session';
import { queryClient } from '../../app/queryClient';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';

/** safeRedirect keeps redirects inside this site. */
export function safeRedirect(target: string | undefined): string {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return '/';
  return target;
}

export function SignIn() {
  const t = useT();
  const search = useSearch({ from: '/public/login' });
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/login', { body: { email, password } })),
    onSuccess: async (tokens) => {
      session.set(tokens);
      queryClient.clear();
      await navigate({ to: safeRedirect(search.redirect) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const errors = fieldErrorMap(login.error);
  const notVerified = login.error instanceof ApiError && login.error.code === 'EMAIL_NOT_VERIFIED';
  return (
    <form onSubmit={submit} noValidate={false}>
      <Stack>
        <Title order={1} size="h2">
          {t('auth.signInTitle')}
        </Title>
        {search.reason === 'session' && <Alert color="blue">{t('auth.sessionEnded')}</Alert>}
        {notVerified ? (
          <Alert color="yellow" role="alert">
            <Text size="sm">{t('auth.notVerified')}</Text>
            <AnchorLink to="/resend-verification" size="sm">
              {t('auth.resend')}
            </AnchorLink>
          </Alert>
        ) : (
          <ErrorAlert error={login.error} />
        )}
        <TextInput
          label={t('auth.email')}
          type="email"
          autoComplete="username"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={errors.email}
        />
        <PasswordInput
          label={t('auth.password')}
          autoComplete="current-password"
          required
          maxLength={512}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
        />
        <Button type="submit" loading={login.isPending} size="lg" fullWidth>
          {t('auth.signIn')}
        </Button>
        <AnchorLink to="/forgot-password">
          {t('auth.forgot')}
        </AnchorLink>
        <Text size="sm">
          {t('auth.noAccount')}{' '}
          <AnchorLink to="/signup">
            {t('auth.signUp')}
          </AnchorLink>
        </Text>
      </Stack>
    </form>
  );
}

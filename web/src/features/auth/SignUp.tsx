import { Alert, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';

import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';

export function SignUp() {
  const t = useT();
  const [form, setForm] = useState({ organizationName: '', name: '', email: '', password: '' });
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.currentTarget.value });
  const signup = useMutation({ mutationFn: () => unwrap(api.POST('/api/auth/signup', { body: form })) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signup.mutate();
  };
  if (signup.isSuccess) {
    return (
      <Stack>
        <Title order={1} size="h2">
          {t('auth.signUpTitle')}
        </Title>
        <Alert color="green" role="status">
          {t('auth.signUpDone', { email: form.email })}
        </Alert>
        <AnchorLink to="/login">
          {t('auth.signIn')}
        </AnchorLink>
      </Stack>
    );
  }
  const errors = fieldErrorMap(signup.error);
  return (
    <form onSubmit={submit}>
      <Stack>
        <Title order={1} size="h2">
          {t('auth.signUpTitle')}
        </Title>
        <ErrorAlert error={signup.error} />
        <TextInput label={t('auth.organizationName')} required maxLength={100} value={form.organizationName} onChange={set('organizationName')} error={errors.organizationName} />
        <TextInput label={t('auth.name')} required maxLength={100} autoComplete="name" value={form.name} onChange={set('name')} error={errors.name} />
        <TextInput label={t('auth.email')} type="email" required maxLength={254} autoComplete="email" value={form.email} onChange={set('email')} error={errors.email} />
        <PasswordInput
          label={t('auth.password')}
          description={t('auth.passwordHint')}
          required
          minLength={12}
          maxLength={512}
          autoComplete="new-password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
        />
        <Button type="submit" size="lg" loading={signup.isPending} fullWidth>
          {t('auth.signUp')}
        </Button>
        <Text size="sm">
          {t('auth.haveAccount')}{' '}
          <AnchorLink to="/login">
            {t('auth.signIn')}
          </AnchorLink>
        </Text>
      </Stack>
    </form>
  );
}

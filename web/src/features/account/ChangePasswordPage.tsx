import { Button, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notify } from '../../components/notify';
import { PageHeader } from '../../components/PageHeader';
import { useT } from '../../i18n';

/** ChangePasswordPage: the current password, then the new one; other sessions end. */
export function ChangePasswordPage() {
  const t = useT();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const change = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/change-password', { body: { currentPassword, newPassword } })),
    onSuccess: () => {
      setCurrent('');
      setNew('');
      notify(t('account.changed'));
    },
  });
  const errors = fieldErrorMap(change.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  return (
    <Stack maw={480}>
      <PageHeader title={t('shell.changePassword')} />
      <form onSubmit={submit}>
        <Stack>
          <ErrorAlert error={errors.currentPassword || errors.newPassword ? undefined : change.error} />
          <PasswordInput label={t('account.current')} required maxLength={512} autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.currentTarget.value)} error={errors.currentPassword} />
          <PasswordInput
            label={t('auth.newPassword')}
            description={t('auth.passwordHint')}
            required
            minLength={12}
            maxLength={512}
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNew(e.currentTarget.value)}
            error={errors.newPassword}
          />
          <Button type="submit" loading={change.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('shell.changePassword')}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

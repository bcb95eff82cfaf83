import { Alert, Button, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';

import { useState, type FormEvent } from 'react';
import { fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';

/** EmailRequest asks for an address and sends one request about it. */
export function EmailRequest(props: { title: string; submit: string; done: (email: string) => string; send: (email: string) => Promise<unknown> }) {
  const t = useT();
  const [email, setEmail] = useState('');
  const req = useMutation({ mutationFn: () => props.send(email) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    req.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Title order={1} size="h2">
          {props.title}
        </Title>
        {req.isSuccess ? (
          <Alert color="green" role="status">
            {props.done(email)}
          </Alert>
        ) : (
          <>
            <ErrorAlert error={req.error} />
            <TextInput
              label={t('auth.email')}
              type="email"
              required
              maxLength={254}
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={fieldErrorMap(req.error).email}
            />
            <Button type="submit" size="lg" loading={req.isPending} fullWidth>
              {props.submit}
            </Button>
          </>
        )}
        <AnchorLink to="/login">
          {t('auth.signIn')}
        </AnchorLink>
      </Stack>
    </form>
  );
}

import { Alert, Loader, Stack, Title } from '@mantine/core';

import type { ReactNode } from 'react';
import { ApiError } from '../../api/problem';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';

/** TokenResult frames the answer to a one-time link from an e-mail. */
export function TokenResult(props: {
  title: string;
  pending: boolean;
  error: unknown;
  failed: string;
  done?: string;
  forward: ReactNode;
}) {
  const t = useT();
  const requestId = props.error instanceof ApiError ? props.error.requestId : undefined;
  return (
    <Stack>
      <Title order={1} size="h2">
        {props.title}
      </Title>
      {props.pending && <Loader aria-label={t('auth.verifyWorking')} />}
      {props.error ? (
        <Alert color="red" role="alert">
          {props.failed}
          {requestId && <div>{t('errors.requestId', { id: requestId })}</div>}
        </Alert>
      ) : null}
      {props.done && (
        <Alert color="green" role="status">
          {props.done}
        </Alert>
      )}
      {props.forward}
      <AnchorLink to="/login">
        {t('auth.signIn')}
      </AnchorLink>
    </Stack>
  );
}

import { Alert, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError } from '../api/problem';
import { useT } from '../i18n';

/** ErrorAlert shows a failure: the problem's message and its request id. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const t = useT();
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const message = api ? api.message : error instanceof TypeError ? t('errors.network') : String(error);
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title={title} role="alert">
      <Text size="sm">{message}</Text>
      {api?.requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          {t('errors.requestId', { id: api.requestId })}
        </Text>
      )}
    </Alert>
  );
}

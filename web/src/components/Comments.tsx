import { Button, Card, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { api, newIdempotencyKey, unwrap } from '../api/client';
import { useMemberName } from '../app/members';
import { useT } from '../i18n';
import { formatDateTime } from '../i18n/format';
import { ErrorAlert } from './ErrorAlert';

/** Comments on an incident or an action. */
export function Comments({ entity, id }: { entity: 'incidents' | 'actions'; id: string }) {
  const t = useT();
  const qc = useQueryClient();
  const nameOf = useMemberName();
  const key = useRef(newIdempotencyKey());
  const [body, setBody] = useState('');
  const queryKey = [entity, id, 'comments'];
  const list = useQuery({
    queryKey,
    queryFn: () =>
      entity === 'incidents'
        ? unwrap(api.GET('/api/incidents/{id}/comments', { params: { path: { id } } }))
        : unwrap(api.GET('/api/actions/{id}/comments', { params: { path: { id } } })),
  });
  const add = useMutation({
    mutationFn: () => {
      const opts = { params: { path: { id } }, headers: { 'Idempotency-Key': key.current }, body: { body } };
      return entity === 'incidents' ? unwrap(api.POST('/api/incidents/{id}/comments', opts)) : unwrap(api.POST('/api/actions/{id}/comments', opts));
    },
    onSuccess: () => {
      key.current = newIdempotencyKey();
      setBody('');
      void qc.invalidateQueries({ queryKey });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  const items = (list.data?.items ?? []).filter((c) => !c.deleted);
  return (
    <Card withBorder>
      <Title order={2} size="h3" mb="sm">
        {t('incident.comments')}
      </Title>
      <ErrorAlert error={list.error} />
      <Stack gap="sm" mb="md">
        {items.length === 0 && <Text c="dimmed">{t('incident.noComments')}</Text>}
        {items.map((c) => (
          <div key={c.id}>
            <Text size="sm" c="dimmed">
              {nameOf(c.authorId)} {formatDateTime(c.createdAt)}
            </Text>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{c.body}</Text>
          </div>
        ))}
      </Stack>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Textarea label={t('incident.comment')} required maxLength={10000} autosize minRows={2} value={body} onChange={(e) => setBody(e.currentTarget.value)} />
          <ErrorAlert error={add.error} />
          <Button type="submit" variant="light" loading={add.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('incident.addComment')}
          </Button>
        </Stack>
      </form>
    </Card>
  );
}

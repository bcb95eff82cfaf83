import { Button, Card, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { useRef, useState, type FormEvent } from 'react';
import { api, newIdempotencyKey, unwrap } from '../../api/client';
import { fieldErrorMap } from '../../api/problem';
import { useCan } from '../../app/me';
import { useMembers } from '../../app/members';
import { ErrorAlert } from '../../components/ErrorAlert';
import { StatusBadge } from '../../components/StatusBadge';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';
import { formatDate } from '../../i18n/format';
import { severities, type Incident } from './queries';

/** IncidentActions lists the corrective actions raised from an incident and raises new ones. */
export function IncidentActions({ incident }: { incident: Incident }) {
  const t = useT();
  const can = useCan();
  const qc = useQueryClient();
  const members = useMembers();
  const key = useRef(newIdempotencyKey());
  const list = useQuery({
    queryKey: ['incident', incident.id, 'actions'],
    queryFn: () => unwrap(api.GET('/api/incidents/{id}/actions', { params: { path: { id: incident.id } } })),
  });
  const [form, setForm] = useState({ title: '', dueOn: '', priority: '', assigneeId: '' });
  const raise = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/incidents/{id}/actions', {
          params: { path: { id: incident.id } },
          headers: { 'Idempotency-Key': key.current },
          body: {
            title: form.title,
            ...(form.dueOn ? { dueOn: form.dueOn } : {}),
            ...(form.priority ? { priority: form.priority } : {}),
            ...(form.assigneeId ? { assigneeId: form.assigneeId } : {}),
          },
        }),
      ),
    onSuccess: () => {
      key.current = newIdempotencyKey();
      setForm({ title: '', dueOn: '', priority: '', assigneeId: '' });
      void qc.invalidateQueries({ queryKey: ['incident', incident.id] });
      void qc.invalidateQueries({ queryKey: ['actions'] });
    },
  });
  const errors = fieldErrorMap(raise.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    raise.mutate();
  };
  const items = list.data?.items ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h3" mb="sm">
        {t('incident.actions')}
      </Title>
      <ErrorAlert error={list.error} />
      <Stack gap="xs" mb="md">
        {items.map((a) => (
          <Group key={a.id} justify="space-between" wrap="wrap">
            <AnchorLink to="/actions/$id" params={{ id: a.id }}>
              {a.number} · {a.title}
            </AnchorLink>
            <Group gap="xs">
              <Text size="sm">{formatDate(a.dueOn)}</Text>
              <StatusBadge value={a.status} />
            </Group>
          </Group>
        ))}
      </Stack>
      {can('actions:create') && incident.status !== 'Closed' && (
        <form onSubmit={submit} aria-label={t('incident.raiseAction')}>
          <Stack gap="sm">
            <TextInput label={t('incident.actionTitle')} required maxLength={300} value={form.title} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })} error={errors.title} />
            <Group grow wrap="wrap" align="start">
              <TextInput label={t('incident.dueOn')} type="date" value={form.dueOn} onChange={(e) => setForm({ ...form, dueOn: e.currentTarget.value })} error={errors.dueOn} />
              <NativeSelect
                label={t('incident.priority')}
                value={form.priority}
                onChange={(e) => setForm({ ...form, priority: e.currentTarget.value })}
                data={[{ value: '', label: '—' }, ...severities.map((s) => ({ value: s, label: t(`values.${s}`) }))]}
              />
              {members.data && (
                <NativeSelect
                  label={t('incident.assignee')}
                  value={form.assigneeId}
                  onChange={(e) => setForm({ ...form, assigneeId: e.currentTarget.value })}
                  error={errors.assigneeId}
                  data={[{ value: '', label: t('incident.nobody') }, ...(members.data.items ?? []).map((m) => ({ value: m.userId, label: m.name || m.email }))]}
                />
              )}
            </Group>
            <ErrorAlert error={Object.keys(errors).length ? undefined : raise.error} />
            <Button type="submit" loading={raise.isPending} style={{ alignSelf: 'flex-start' }}>
              {t('incident.raiseAction')}
            </Button>
          </Stack>
        </form>
      )}
    </Card>
  );
}

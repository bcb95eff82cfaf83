import { Card, Text, Timeline, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useMemberName } from '../app/members';
import { useT } from '../i18n';
import { formatDateTime } from '../i18n/format';
import { ErrorAlert } from './ErrorAlert';

/** History is the timeline of an incident's or an action's changes. */
export function History({ path, id }: { path: 'incidents' | 'actions'; id: string }) {
  const t = useT();
  const nameOf = useMemberName();
  const q = useQuery({
    queryKey: [path === 'incidents' ? 'incident' : 'action', id, 'history'],
    queryFn: () =>
      path === 'incidents'
        ? unwrap(api.GET('/api/incidents/{id}/history', { params: { path: { id } } }))
        : unwrap(api.GET('/api/actions/{id}/history', { params: { path: { id } } })),
  });
  const items = q.data?.items ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h3" mb="sm">
        {t('incident.history')}
      </Title>
      <ErrorAlert error={q.error} />
      <Timeline bulletSize={16} lineWidth={2}>
        {items.map((h) => (
          <Timeline.Item key={h.id} title={h.toStatus ? `${h.fromStatus ? t(`values.${h.fromStatus}`, { defaultValue: h.fromStatus }) + ' → ' : ''}${t(`values.${h.toStatus}`, { defaultValue: h.toStatus })}` : h.kind}>
            <Text size="sm" c="dimmed">
              {formatDateTime(h.at)} {nameOf(h.actorId)}
            </Text>
            {h.note && <Text size="sm">{h.note}</Text>}
          </Timeline.Item>
        ))}
      </Timeline>
    </Card>
  );
}

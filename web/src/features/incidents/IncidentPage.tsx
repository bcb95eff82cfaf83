import { Alert, Button, Card, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useCan } from '../../app/me';
import { Comments } from '../../components/Comments';
import { ErrorAlert } from '../../components/ErrorAlert';
import { History } from '../../components/History';
import { StatusBadge } from '../../components/StatusBadge';
import { notify } from '../../components/notify';
import { useT } from '../../i18n';
import { formatDateTime, formatDuration } from '../../i18n/format';
import { IncidentActions } from './IncidentActions';
import { InvestigationEditor } from './InvestigationEditor';
import { moveFor, useIncident, useStations, type Incident } from './queries';

const movePermission = { investigate: 'incidents:investigate', 'require-action': 'incidents:investigate', close: 'incidents:close', reopen: 'incidents:close' } as const;

function Transitions({ incident }: { incident: Incident }) {
  const t = useT();
  const can = useCan();
  const qc = useQueryClient();
  const move = useMutation({
    mutationFn: (m: 'investigate' | 'require-action' | 'close' | 'reopen') =>
      unwrap(api.POST(`/api/incidents/{id}/${m}`, { params: { path: { id: incident.id } }, body: { version: incident.version } })),
    onSuccess: (inc) => {
      qc.setQueryData(['incident', incident.id], inc);
      void qc.invalidateQueries({ queryKey: ['incidents'] });
      void qc.invalidateQueries({ queryKey: ['incident', incident.id, 'history'] });
      notify(t(`values.${inc.status}`));
    },
    onError: (e) => {
      if (e instanceof ApiError && e.isStale) void qc.invalidateQueries({ queryKey: ['incident', incident.id] });
    },
  });
  const moves = (incident.allowedTransitions ?? []).map((to) => moveFor(incident.status, to)).filter((m) => m !== undefined);
  const allowed = moves.filter((m) => can(movePermission[m]));
  if (allowed.length === 0) return null;
  return (
    <Stack gap="xs">
      <Group gap="sm">
        {allowed.map((m) => (
          <Button key={m} onClick={() => move.mutate(m)} loading={move.isPending && move.variables === m} variant={m === 'reopen' ? 'default' : 'filled'}>
            {t(`incident.transition.${m}`)}
          </Button>
        ))}
      </Group>
      {move.error instanceof ApiError && move.error.isStale ? <Alert color="yellow">{t('errors.stale')}</Alert> : <ErrorAlert error={move.error} />}
    </Stack>
  );
}

function Deadline({ incident }: { incident: Incident }) {
  const t = useT();
  if (!incident.regulatoryDeadline || incident.regulatorReportedAt) return null;
  const left = new Date(incident.regulatoryDeadline).getTime() - Date.now();
  const when = formatDateTime(incident.regulatoryDeadline);
  return (
    <Alert color={left > 0 ? 'orange' : 'red'} title={t('incident.deadline')} role="status">
      {left > 0 ? t('incident.deadlineIn', { when, left: formatDuration(left) }) : t('incident.deadlinePassed', { when })}
    </Alert>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0} style={{ whiteSpace: 'pre-wrap' }}>
        {children || '—'}
      </Text>
    </div>
  );
}

export function IncidentPage() {
  const t = useT();
  const { id } = useParams({ from: '/app/incidents/$id' });
  const q = useIncident(id);
  const stations = useStations();
  const can = useCan();
  if (q.isPending) return <Skeleton height={200} />;
  if (q.error) return <ErrorAlert error={q.error} />;
  const inc = q.data;
  const station = stations.data?.items?.find((s) => s.id === inc.stationId);
  return (
    <Stack gap="lg" maw={960}>
      <Group justify="space-between" align="center" wrap="wrap">
        <Title order={1} size="h2">
          {inc.number} · {inc.type}
        </Title>
        <Group gap="xs">
          <StatusBadge value={inc.severity} />
          <StatusBadge value={inc.status} />
        </Group>
      </Group>
      <Deadline incident={inc} />
      <Transitions incident={inc} />
      <Card withBorder>
        <Title order={2} size="h3" mb="sm">
          {t('incident.details')}
        </Title>
        <Stack component="dl" gap="sm" m={0}>
          <Field label={t('incident.station')}>{station ? `${station.code} ${station.name}` : ''}</Field>
          <Field label={t('incident.occurred')}>{formatDateTime(inc.occurredAt)}</Field>
          <Field label={t('incident.location')}>{inc.location}</Field>
          <Field label={t('incident.description')}>{inc.description}</Field>
          <Field label={t('incident.immediateActions')}>{inc.immediateActions}</Field>
          <Field label={t('incident.people')}>{(inc.people ?? []).map((p) => [p.name, p.role, p.injury].filter(Boolean).join(', ')).join('\n')}</Field>
          <Field label={t('incident.photos')}>{(inc.attachmentIds ?? []).length ? String((inc.attachmentIds ?? []).length) : ''}</Field>
        </Stack>
      </Card>
      <InvestigationEditor incident={inc} editable={can('incidents:investigate') && (inc.status === 'Under Investigation' || inc.status === 'Action Required')} />
      <IncidentActions incident={inc} />
      <Comments entity="incidents" id={inc.id} />
      <History path="incidents" id={inc.id} />
    </Stack>
  );
}

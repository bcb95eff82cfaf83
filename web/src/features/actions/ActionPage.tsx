import { Alert, Button, Card, Group, Skeleton, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrorMap } from '../../api/problem';
import { useCan, useMe } from '../../app/me';
import { Comments } from '../../components/Comments';
import { ErrorAlert } from '../../components/ErrorAlert';
import { History } from '../../components/History';
import { StatusBadge } from '../../components/StatusBadge';
import { AnchorLink } from '../../components/links';
import { notify } from '../../components/notify';
import { useT } from '../../i18n';
import { formatDate } from '../../i18n/format';
import { stepFor, useAction, type Action } from './queries';

type Step = 'start' | 'complete' | 'verify' | 'reject';
const stepPermission: Record<Step, string> = { start: 'actions:complete', complete: 'actions:complete', verify: 'actions:verify', reject: 'actions:verify' };
const stepLabel: Record<Step, string> = { start: 'action.start', complete: 'action.complete', verify: 'action.verify', reject: 'action.reject' };

function Steps({ action }: { action: Action }) {
  const t = useT();
  const can = useCan();
  const qc = useQueryClient();
  const [notes, setNotes] = useState('');
  const run = useMutation({
    mutationFn: (step: Step) =>
      unwrap(
        api.POST(`/api/actions/{id}/${step}`, {
          params: { path: { id: action.id } },
          body: {
            version: action.version,
            ...(step === 'complete' || step === 'verify' ? (notes ? { notes } : {}) : {}),
            ...(step === 'reject' ? { reason: notes } : {}),
          },
        }),
      ),
    onSuccess: (a) => {
      setNotes('');
      qc.setQueryData(['action', action.id], a);
      void qc.invalidateQueries({ queryKey: ['actions'] });
      void qc.invalidateQueries({ queryKey: ['action', action.id, 'history'] });
      void qc.invalidateQueries({ queryKey: ['incident'] });
      notify(t('action.done'));
    },
    onError: (e) => {
      if (e instanceof ApiError && e.isStale) void qc.invalidateQueries({ queryKey: ['action', action.id] });
    },
  });
  const { data: me } = useMe();
  // Only the assignee starts and completes; the server says so too, this
  // only spares others a button that cannot work.
  const mine = !action.assigneeId || action.assigneeId === me?.user.id;
  const steps = (action.allowedTransitions ?? [])
    .map((to) => stepFor(action.status, to))
    .filter((s): s is Step => s !== undefined && can(stepPermission[s]) && (mine || s === 'verify' || s === 'reject'));
  if (steps.length === 0) return null;
  const needsNotes = steps.some((s) => s === 'complete' || s === 'verify' || s === 'reject');
  const label = action.status === 'Completed' ? t('action.verifyNotes') : steps.includes('complete') ? t('action.notes') : '';
  const errors = fieldErrorMap(run.error);
  return (
    <Card withBorder>
      <Stack gap="sm">
        {needsNotes && label && (
          <Textarea label={label} description={steps.includes('reject') ? t('action.reason') : undefined} autosize minRows={2} maxLength={10000} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} error={errors.notes ?? errors.reason} />
        )}
        {run.error instanceof ApiError && run.error.isStale ? <Alert color="yellow">{t('errors.stale')}</Alert> : <ErrorAlert error={run.error} />}
        <Group gap="sm">
          {steps.map((s) => (
            <Button key={s} color={s === 'reject' ? 'red' : undefined} variant={s === 'reject' ? 'outline' : 'filled'} loading={run.isPending && run.variables === s} onClick={() => run.mutate(s)}>
              {t(stepLabel[s])}
            </Button>
          ))}
        </Group>
      </Stack>
    </Card>
  );
}

export function ActionPage() {
  const t = useT();
  const { id } = useParams({ from: '/app/actions/$id' });
  const q = useAction(id);
  if (q.isPending) return <Skeleton height={200} />;
  if (q.error) return <ErrorAlert error={q.error} />;
  const a = q.data;
  return (
    <Stack gap="lg" maw={960}>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">
          {a.number} · {a.title}
        </Title>
        <Group gap="xs">
          <StatusBadge value={a.priority} />
          <StatusBadge value={a.status} />
        </Group>
      </Group>
      <Card withBorder>
        <Stack gap="xs">
          <Text>
            {t('action.due')}: {formatDate(a.dueOn)} {a.overdue && <Text span c="red.9" fw={700}>({t('action.overdue')})</Text>}{' '}
            {a.escalated && <Text span c="red.9" fw={700}>({t('action.escalated')})</Text>}
          </Text>
          {a.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{a.description}</Text>}
          {a.sourceType === 'incident' && a.sourceId && (
            <AnchorLink to="/incidents/$id" params={{ id: a.sourceId }}>
              {t('action.source')}: {t('shell.incidents')}
            </AnchorLink>
          )}
          {a.completionNotes && <Text>{t('action.completedBy', { notes: a.completionNotes })}</Text>}
        </Stack>
      </Card>
      <Steps action={a} />
      <Comments entity="actions" id={a.id} />
      <History path="actions" id={a.id} />
    </Stack>
  );
}

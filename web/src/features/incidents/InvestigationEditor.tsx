import { Alert, Button, Card, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useT } from '../../i18n';
import type { Incident } from './queries';

const whyCount = 5;

/**
 * InvestigationEditor edits root causes, five whys, contributing factors
 * and findings. A stale save (someone else saved first) keeps what the
 * user typed and shows the current values, which arrive with the refetch.
 */
export function InvestigationEditor({ incident, editable }: { incident: Incident; editable: boolean }) {
  const t = useT();
  const qc = useQueryClient();
  const inv = incident.investigation;
  const [rootCauses, setRootCauses] = useState((inv.rootCauses ?? []).join(', '));
  const [whys, setWhys] = useState(() => Array.from({ length: whyCount }, (_, i) => inv.whys?.[i] ?? ''));
  const [factors, setFactors] = useState((inv.contributingFactors ?? []).join('\n'));
  const [findings, setFindings] = useState(inv.findings ?? '');
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/incidents/{id}/investigation', {
          params: { path: { id: incident.id } },
          body: {
            version: incident.version,
            rootCauses: rootCauses.split(',').map((s) => s.trim()).filter(Boolean),
            whys: whys.map((s) => s.trim()).filter(Boolean),
            contributingFactors: factors.split('\n').map((s) => s.trim()).filter(Boolean),
            findings,
          },
        }),
      ),
    onSuccess: (inc) => {
      qc.setQueryData(['incident', incident.id], inc);
      notifications.show({ color: 'green', message: t('incident.saved') });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.isStale) void qc.invalidateQueries({ queryKey: ['incident', incident.id] });
    },
  });
  const stale = save.error instanceof ApiError && save.error.isStale;
  const errors = fieldErrorMap(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Card withBorder>
      <Title order={2} size="h3" mb="sm">
        {t('incident.investigation')}
      </Title>
      <form onSubmit={submit}>
        <fieldset disabled={!editable} style={{ border: 0, padding: 0, margin: 0 }}>
          <Stack gap="sm">
            {stale && (
              <Alert color="yellow" role="alert">
                {t('errors.stale')}
                <div>
                  {t('incident.rootCauses')}: {(inv.rootCauses ?? []).join(', ') || '—'}
                </div>
                <div>
                  {t('incident.findings')}: {inv.findings || '—'}
                </div>
              </Alert>
            )}
            {!stale && <ErrorAlert error={save.error} />}
            <TextInput label={t('incident.rootCauses')} description={t('incident.rootCausesHint')} value={rootCauses} onChange={(e) => setRootCauses(e.currentTarget.value)} error={errors.rootCauses} />
            <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
              <legend>
                <strong>{t('incident.whys')}</strong>
              </legend>
              <Stack gap="xs">
                {whys.map((w, i) => (
                  <TextInput key={i} label={t('incident.why', { n: i + 1 })} maxLength={1000} value={w} onChange={(e) => { const v = e.currentTarget.value; setWhys(whys.map((x, j) => (j === i ? v : x))); }} />
                ))}
              </Stack>
            </fieldset>
            <Textarea label={t('incident.factors')} description={t('incident.factorsHint')} autosize minRows={2} value={factors} onChange={(e) => setFactors(e.currentTarget.value)} error={errors.contributingFactors} />
            <Textarea label={t('incident.findings')} autosize minRows={3} maxLength={10000} value={findings} onChange={(e) => setFindings(e.currentTarget.value)} error={errors.findings} />
            {editable && (
              <Button type="submit" loading={save.isPending} style={{ alignSelf: 'flex-start' }}>
                {t('incident.saveInvestigation')}
              </Button>
            )}
          </Stack>
        </fieldset>
      </form>
    </Card>
  );
}

import { Alert, Button, Card, Checkbox, Group, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrorMap } from '../../api/problem';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notify } from '../../components/notify';
import { useT } from '../../i18n';
import type { Incident } from './queries';

const whyCount = 5;

/** The server's fixed list of root-cause categories. */
export const rootCauseCategories = ['People', 'Process', 'Equipment', 'Environment', 'Management', 'Materials'] as const;

/**
 * InvestigationEditor edits root causes, five whys, contributing factors
 * and findings. A stale save (someone else saved first) keeps what the
 * user typed and shows the current values, which arrive with the refetch.
 */
export function InvestigationEditor({ incident, editable }: { incident: Incident; editable: boolean }) {
  const t = useT();
  const qc = useQueryClient();
  const inv = incident.investigation;
  const [rootCauses, setRootCauses] = useState<string[]>(inv.rootCauses ?? []);
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
            rootCauses,
            whys: whys.map((s) => s.trim()).filter(Boolean),
            contributingFactors: factors.split('\n').map((s) => s.trim()).filter(Boolean),
            findings,
          },
        }),
      ),
    onSuccess: (inc) => {
      qc.setQueryData(['incident', incident.id], inc);
      notify(t('incident.saved'));
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
            <Checkbox.Group label={t('incident.rootCauses')} value={rootCauses} onChange={setRootCauses} error={errors.rootCauses}>
              <Group gap="md" mt="xs">
                {rootCauseCategories.map((c) => (
                  <Checkbox key={c} size="md" value={c} label={t(`incident.category.${c}`)} />
                ))}
              </Group>
            </Checkbox.Group>
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

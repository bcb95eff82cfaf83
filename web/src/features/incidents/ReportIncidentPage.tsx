import { Button, Card, CloseButton, Group, NativeSelect, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useRef, useState, type FormEvent } from 'react';
import { api, newIdempotencyKey, unwrap } from '../../api/client';
import { fieldErrorMap } from '../../api/problem';
import type { Attachment } from '../../api/upload';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { PhotoPicker } from '../../components/PhotoPicker';
import { notify } from '../../components/notify';
import { useT } from '../../i18n';
import { toLocalInput } from '../../i18n/format';
import { incidentTypes, severities, useStations } from './queries';

interface Person {
  name: string;
  role: string;
  injury: string;
}

/**
 * ReportIncidentPage is built for a phone in the field: one column, large
 * controls, the camera one tap away. One Idempotency-Key per report, so a
 * double tap or a retry after a lost answer creates one incident.
 */
export function ReportIncidentPage() {
  const t = useT();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const stations = useStations();
  const key = useRef(newIdempotencyKey());
  const [form, setForm] = useState({
    stationId: '',
    type: '',
    severity: '',
    occurredAt: toLocalInput(new Date()),
    location: '',
    description: '',
    immediateActions: '',
  });
  const [people, setPeople] = useState<Person[]>([]);
  const [photos, setPhotos] = useState<Attachment[]>([]);
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [k]: e.currentTarget.value });

  const report = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/incidents', {
          headers: { 'Idempotency-Key': key.current },
          body: {
            stationId: form.stationId,
            type: form.type,
            severity: form.severity,
            occurredAt: new Date(form.occurredAt).toISOString(),
            description: form.description,
            ...(form.location ? { location: form.location } : {}),
            ...(form.immediateActions ? { immediateActions: form.immediateActions } : {}),
            people: people.filter((p) => p.name.trim()).map((p) => ({ name: p.name, ...(p.role ? { role: p.role } : {}), ...(p.injury ? { injury: p.injury } : {}) })),
            attachmentIds: photos.map((p) => p.id),
          },
        }),
      ),
    onSuccess: async (inc) => {
      key.current = newIdempotencyKey();
      await qc.invalidateQueries({ queryKey: ['incidents'] });
      notify(t('incident.reported', { number: inc.number }));
      await navigate({ to: '/incidents/$id', params: { id: inc.id } });
    },
  });
  const errors = fieldErrorMap(report.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    report.mutate();
  };
  const stationItems = stations.data?.items ?? [];
  const choose = { value: '', label: '—', disabled: true };

  return (
    <Stack maw={640}>
      <PageHeader title={t('incident.newTitle')} />
      {stations.isSuccess && stationItems.length === 0 && <Text>{t('incident.noStations')}</Text>}
      <form onSubmit={submit}>
        <Stack gap="md">
          <NativeSelect
            label={t('incident.station')}
            required
            value={form.stationId}
            onChange={set('stationId')}
            error={errors.stationId}
            data={[choose, ...stationItems.map((s) => ({ value: s.id, label: `${s.code} ${s.name}` }))]}
          />
          <NativeSelect label={t('incident.type')} required value={form.type} onChange={set('type')} error={errors.type} data={[choose, ...incidentTypes]} />
          <NativeSelect
            label={t('incident.severity')}
            required
            value={form.severity}
            onChange={set('severity')}
            error={errors.severity}
            data={[choose, ...severities.map((s) => ({ value: s, label: t(`values.${s}`) }))]}
          />
          <TextInput label={t('incident.occurredAt')} type="datetime-local" required value={form.occurredAt} onChange={set('occurredAt')} error={errors.occurredAt} />
          <TextInput label={t('incident.location')} maxLength={300} value={form.location} onChange={set('location')} error={errors.location} />
          <Textarea label={t('incident.description')} required maxLength={10000} autosize minRows={4} value={form.description} onChange={set('description')} error={errors.description} />
          <Textarea label={t('incident.immediateActions')} maxLength={5000} autosize minRows={2} value={form.immediateActions} onChange={set('immediateActions')} error={errors.immediateActions} />
          <Stack gap="xs">
            <Text fw={500}>{t('incident.people')}</Text>
            {people.map((p, i) => (
              <Card key={i} withBorder padding="sm">
                <Group justify="flex-end">
                  <CloseButton size="lg" aria-label={t('incident.removePerson', { n: i + 1 })} onClick={() => setPeople(people.filter((_, j) => j !== i))} />
                </Group>
                <Stack gap="xs">
                  <TextInput label={t('incident.personName')} required maxLength={200} value={p.name} error={errors[`people[${i}].name`]} onChange={(e) => { const v = e.currentTarget.value; setPeople(people.map((x, j) => (j === i ? { ...x, name: v } : x))); }} />
                  <TextInput label={t('incident.personRole')} maxLength={100} value={p.role} onChange={(e) => { const v = e.currentTarget.value; setPeople(people.map((x, j) => (j === i ? { ...x, role: v } : x))); }} />
                  <TextInput label={t('incident.personInjury')} maxLength={500} value={p.injury} onChange={(e) => { const v = e.currentTarget.value; setPeople(people.map((x, j) => (j === i ? { ...x, injury: v } : x))); }} />
                </Stack>
              </Card>
            ))}
            <Button variant="default" leftSection={<IconUserPlus aria-hidden />} onClick={() => setPeople([...people, { name: '', role: '', injury: '' }])}>
              {t('incident.addPerson')}
            </Button>
          </Stack>
          <PhotoPicker value={photos} onChange={setPhotos} />
          <ErrorAlert error={report.error} />
          <Button type="submit" size="xl" color="red" loading={report.isPending} fullWidth>
            {t('incident.submit')}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

import { Button, CloseButton, Group, Progress, Stack, Text } from '@mantine/core';
import { IconCamera } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { uploadFile, type Attachment } from '../api/upload';
import { useT } from '../i18n';
import { ErrorAlert } from './ErrorAlert';

interface Pending {
  name: string;
  progress: number;
}

/**
 * PhotoPicker uploads photos as soon as they are chosen (the camera on a
 * phone), shows each upload's progress, and reports the attachments.
 */
export function PhotoPicker({ value, onChange }: { value: Attachment[]; onChange: (a: Attachment[]) => void }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [error, setError] = useState<unknown>();
  const latest = useRef(value);
  latest.current = value;

  const pick = async (files: FileList | null) => {
    setError(undefined);
    for (const file of Array.from(files ?? [])) {
      setPending((p) => [...p, { name: file.name, progress: 0 }]);
      try {
        const a = await uploadFile(file, (f) => setPending((p) => p.map((x) => (x.name === file.name ? { ...x, progress: f } : x))));
        latest.current = [...latest.current, a];
        onChange(latest.current);
      } catch (e) {
        setError(e);
      } finally {
        setPending((p) => p.filter((x) => x.name !== file.name));
      }
    }
    if (input.current) input.current.value = '';
  };

  return (
    <Stack gap="xs">
      <Text fw={500} size="md" component="span" id="photos-label">
        {t('incident.photos')}
      </Text>
      <input
        ref={input}
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        hidden
        aria-labelledby="photos-label"
        data-testid="photo-input"
        onChange={(e) => void pick(e.currentTarget.files)}
      />
      <Button variant="default" size="lg" leftSection={<IconCamera aria-hidden />} onClick={() => input.current?.click()}>
        {t('incident.addPhotos')}
      </Button>
      {pending.map((p) => (
        <Stack key={p.name} gap={2}>
          <Text size="sm">{t('incident.uploading', { name: p.name })}</Text>
          <Progress value={p.progress * 100} aria-label={t('incident.uploading', { name: p.name })} />
        </Stack>
      ))}
      {value.length > 0 && (
        <Text size="sm" role="status">
          {t('incident.uploaded', { count: value.length })}
        </Text>
      )}
      {value.map((a) => (
        <Group key={a.id} gap="xs" justify="space-between">
          <Text size="sm">{a.fileName}</Text>
          <CloseButton size="lg" aria-label={t('incident.removePhoto', { name: a.fileName })} onClick={() => onChange(value.filter((x) => x.id !== a.id))} />
        </Group>
      ))}
      <ErrorAlert error={error} />
    </Stack>
  );
}

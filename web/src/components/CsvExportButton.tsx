import { Button } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { session } from '../api/session';
import { ApiError } from '../api/problem';
import { useT } from '../i18n';
import { ErrorAlert } from './ErrorAlert';

/**
 * CsvExportButton downloads the current filter as CSV. A plain link
 * cannot carry the access token, so the file is fetched and handed to the
 * browser as a download.
 */
export function CsvExportButton({ path, query, fileName }: { path: string; query: Record<string, string | number | undefined>; fileName: string }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const params = new URLSearchParams({ format: 'csv' });
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
      const token = await session.fresh();
      const res = await fetch(`${path}?${params}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined), res.headers.get('X-Request-ID') ?? undefined);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button variant="default" leftSection={<IconDownload size={18} aria-hidden />} loading={busy} onClick={() => void run()}>
        {t('list.exportCsv')}
      </Button>
      {error ? <ErrorAlert error={error} /> : null}
    </>
  );
}

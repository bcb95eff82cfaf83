import { Button, Card, Group, NativeSelect, Skeleton, Stack, Table, Text, TextInput } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { CsvExportButton } from '../../components/CsvExportButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { incidentStatuses, incidentTypes, severities, toQuery, useIncidents, useStations } from './queries';

export function IncidentsPage() {
  const t = useT();
  const filter = useSearch({ from: '/app/incidents' });
  const navigate = useNavigate({ from: '/incidents' });
  const [q, setQ] = useState(filter.q ?? '');
  const list = useIncidents(filter);
  const stations = useStations();
  const stationName = new Map((stations.data?.items ?? []).map((s) => [s.id, `${s.code} ${s.name}`]));
  const setFilter = (k: string, v: string) => void navigate({ search: (s) => ({ ...s, [k]: v || undefined }) });
  const any = { value: '', label: t('list.any') };
  const rows = list.data?.pages.flatMap((p) => p.items ?? []) ?? [];

  return (
    <>
      <PageHeader title={t('incident.title')}>
        <CsvExportButton path="/api/incidents" query={toQuery(filter)} fileName="incidents.csv" />
      </PageHeader>
      <form
        role="search"
        aria-label={t('list.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter('q', q);
        }}
      >
        <Group align="end" gap="sm" mb="md" wrap="wrap">
          <TextInput label={t('list.search')} type="search" maxLength={100} value={q} onChange={(e) => setQ(e.currentTarget.value)} />
          <NativeSelect label={t('incident.status')} value={filter.status ?? ''} onChange={(e) => setFilter('status', e.currentTarget.value)} data={[any, ...incidentStatuses.map((s) => ({ value: s, label: t(`values.${s}`) }))]} />
          <NativeSelect label={t('incident.type')} value={filter.type ?? ''} onChange={(e) => setFilter('type', e.currentTarget.value)} data={[any, ...incidentTypes]} />
          <NativeSelect label={t('incident.severity')} value={filter.severity ?? ''} onChange={(e) => setFilter('severity', e.currentTarget.value)} data={[any, ...severities.map((s) => ({ value: s, label: t(`values.${s}`) }))]} />
          <NativeSelect
            label={t('incident.station')}
            value={filter.stationId ?? ''}
            onChange={(e) => setFilter('stationId', e.currentTarget.value)}
            data={[any, ...(stations.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.code} ${s.name}` }))]}
          />
          <Button type="submit" variant="light">
            {t('list.search')}
          </Button>
          <Button variant="subtle" onClick={() => { setQ(''); void navigate({ search: {} }); }}>
            {t('list.clear')}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={list.error} />
      {list.isPending ? (
        <Stack>
          {[1, 2, 3].map((i) => (
            <Skeleton key={i} height={48} />
          ))}
        </Stack>
      ) : rows.length === 0 ? (
        <Text py="lg">{Object.values(filter).some(Boolean) ? t('list.empty') : t('incident.empty')}</Text>
      ) : (
        <>
        {/* Phones get cards; the table needs the width of a desktop. */}
        <Stack gap="sm" hiddenFrom="sm">
          {rows.map((i) => (
            <Card key={i.id} withBorder padding="md">
              <Group justify="space-between" wrap="nowrap" align="start">
                <AnchorLink to="/incidents/$id" params={{ id: i.id }} fw={600} py={4}>
                  {i.number}
                </AnchorLink>
                <Text size="sm">{formatDateTime(i.occurredAt)}</Text>
              </Group>
              <Text>{i.type}</Text>
              <Text size="sm" c="dimmed">
                {stationName.get(i.stationId) ?? ''}
              </Text>
              <Group gap="xs" mt="xs">
                <StatusBadge value={i.severity} />
                <StatusBadge value={i.status} />
              </Group>
            </Card>
          ))}
        </Stack>
        <Table.ScrollContainer minWidth={560} visibleFrom="sm">
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('incident.number')}</Table.Th>
                <Table.Th>{t('incident.type')}</Table.Th>
                <Table.Th>{t('incident.severity')}</Table.Th>
                <Table.Th>{t('incident.status')}</Table.Th>
                <Table.Th>{t('incident.station')}</Table.Th>
                <Table.Th>{t('incident.occurred')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>
                    <AnchorLink to="/incidents/$id" params={{ id: i.id }} fw={600}>
                      {i.number}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>{i.type}</Table.Td>
                  <Table.Td>
                    <StatusBadge value={i.severity} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge value={i.status} />
                  </Table.Td>
                  <Table.Td>{stationName.get(i.stationId) ?? ''}</Table.Td>
                  <Table.Td>{formatDateTime(i.occurredAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        </>
      )}
      {list.hasNextPage && (
        <Button mt="md" variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('list.loadMore')}
        </Button>
      )}
    </>
  );
}

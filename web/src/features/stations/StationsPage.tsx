import { Button, Card, Group, NativeSelect, Skeleton, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrapJSON } from '../../api/client';
import type { paths } from '../../api/schema';
import { CsvExportButton } from '../../components/CsvExportButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { useT } from '../../i18n';

type ListQuery = NonNullable<paths['/api/stations']['get']['parameters']['query']>;
export type StationFilter = { q?: string | undefined; region?: string | undefined; riskCategory?: string | undefined; active?: string | undefined };
const risks = ['Low', 'Medium', 'High', 'Critical'] as const;

export function stationQuery(f: StationFilter): ListQuery {
  const q: ListQuery = {};
  if (f.q) q.q = f.q;
  if (f.region) q.region = f.region;
  if (f.riskCategory && (risks as readonly string[]).includes(f.riskCategory)) q.riskCategory = f.riskCategory as ListQuery['riskCategory'];
  if (f.active === 'true' || f.active === 'false') q.active = f.active;
  return q;
}

/** StationsPage lists the stations the member may see, filters in the URL. */
export function StationsPage() {
  const t = useT();
  const filter = useSearch({ from: '/app/stations' });
  const navigate = useNavigate({ from: '/stations' });
  const [q, setQ] = useState(filter.q ?? '');
  const [region, setRegion] = useState(filter.region ?? '');
  const list = useInfiniteQuery({
    queryKey: ['stations', 'list', filter],
    queryFn: ({ pageParam }) =>
      unwrapJSON(api.GET('/api/stations', { params: { query: { ...stationQuery(filter), sort: 'code', limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor || undefined,
  });
  const setFilter = (k: string, v: string) => void navigate({ search: (s) => ({ ...s, [k]: v || undefined }) });
  const any = { value: '', label: t('list.any') };
  const rows = list.data?.pages.flatMap((p) => p.items ?? []) ?? [];
  return (
    <>
      <PageHeader title={t('station.title')}>
        <CsvExportButton path="/api/stations" query={stationQuery(filter)} fileName="stations.csv" />
      </PageHeader>
      <form
        role="search"
        aria-label={t('list.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({ search: (s) => ({ ...s, q: q || undefined, region: region || undefined }) });
        }}
      >
        <Group align="end" gap="sm" mb="md" wrap="wrap">
          <TextInput label={t('list.search')} type="search" maxLength={100} value={q} onChange={(e) => setQ(e.currentTarget.value)} />
          <TextInput label={t('station.region')} maxLength={100} value={region} onChange={(e) => setRegion(e.currentTarget.value)} />
          <NativeSelect label={t('station.risk')} value={filter.riskCategory ?? ''} onChange={(e) => setFilter('riskCategory', e.currentTarget.value)} data={[any, ...risks.map((r) => ({ value: r, label: t(`values.${r}`) }))]} />
          <NativeSelect
            label={t('station.active')}
            value={filter.active ?? ''}
            onChange={(e) => setFilter('active', e.currentTarget.value)}
            data={[any, { value: 'true', label: t('common.yes') }, { value: 'false', label: t('common.no') }]}
          />
          <Button type="submit" variant="light">
            {t('list.search')}
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
        <Text py="lg">{Object.values(filter).some(Boolean) ? t('list.empty') : t('station.empty')}</Text>
      ) : (
        <>
          <Stack gap="sm" hiddenFrom="sm">
            {rows.map((s) => (
              <Card key={s.id} withBorder padding="md">
                <Text fw={600}>
                  {s.code} · {s.name}
                </Text>
                <Text size="sm">{[s.region, s.address].filter(Boolean).join(' · ')}</Text>
                <Group gap="xs" mt="xs">
                  <StatusBadge value={s.riskCategory} />
                  {!s.active && <Text size="sm">{t('station.inactive')}</Text>}
                </Group>
              </Card>
            ))}
          </Stack>
          <Table.ScrollContainer minWidth={560} visibleFrom="sm">
            <Table striped verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('station.code')}</Table.Th>
                  <Table.Th>{t('station.name')}</Table.Th>
                  <Table.Th>{t('station.region')}</Table.Th>
                  <Table.Th>{t('station.risk')}</Table.Th>
                  <Table.Th>{t('station.frequency')}</Table.Th>
                  <Table.Th>{t('station.active')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td fw={600}>{s.code}</Table.Td>
                    <Table.Td>{s.name}</Table.Td>
                    <Table.Td>{s.region}</Table.Td>
                    <Table.Td>
                      <StatusBadge value={s.riskCategory} />
                    </Table.Td>
                    <Table.Td>{s.auditFrequency}</Table.Td>
                    <Table.Td>{s.active ? t('common.yes') : t('common.no')}</Table.Td>
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

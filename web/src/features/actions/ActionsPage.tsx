import { Button, Card, Checkbox, Group, NativeSelect, SegmentedControl, Skeleton, Stack, Table, Text, TextInput } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { CsvExportButton } from '../../components/CsvExportButton';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';
import { formatDate } from '../../i18n/format';
import { actionStatuses, priorities, toQuery, useActions } from './queries';

export function ActionsPage() {
  const t = useT();
  const filter = useSearch({ from: '/app/actions' });
  const navigate = useNavigate({ from: '/actions' });
  const [q, setQ] = useState(filter.q ?? '');
  const list = useActions(filter);
  const setFilter = (k: string, v: string) => void navigate({ search: (s) => ({ ...s, [k]: v || undefined }) });
  const any = { value: '', label: t('list.any') };
  const rows = list.data?.pages.flatMap((p) => p.items ?? []) ?? [];
  return (
    <>
      <PageHeader title={t('action.title')}>
        <CsvExportButton path="/api/actions" query={toQuery(filter)} fileName="actions.csv" />
      </PageHeader>
      <SegmentedControl
        mb="md"
        size="md"
        value={filter.mine === 'true' ? 'mine' : 'all'}
        onChange={(v) => setFilter('mine', v === 'mine' ? 'true' : '')}
        data={[
          { value: 'mine', label: t('action.mine') },
          { value: 'all', label: t('action.all') },
        ]}
        aria-label={t('action.title')}
      />
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
          <NativeSelect label={t('action.status')} value={filter.status ?? ''} onChange={(e) => setFilter('status', e.currentTarget.value)} data={[any, ...actionStatuses.map((s) => ({ value: s, label: t(`values.${s}`) }))]} />
          <NativeSelect label={t('action.priority')} value={filter.priority ?? ''} onChange={(e) => setFilter('priority', e.currentTarget.value)} data={[any, ...priorities.map((s) => ({ value: s, label: t(`values.${s}`) }))]} />
          <Checkbox size="md" label={t('action.overdue')} checked={filter.overdue === 'true'} onChange={(e) => setFilter('overdue', e.currentTarget.checked ? 'true' : '')} />
          <Checkbox size="md" label={t('action.escalated')} checked={filter.escalated === 'true'} onChange={(e) => setFilter('escalated', e.currentTarget.checked ? 'true' : '')} />
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
        <Text py="lg">{t('action.empty')}</Text>
      ) : (
        <>
        <Stack gap="sm" hiddenFrom="sm">
          {rows.map((a) => (
            <Card key={a.id} withBorder padding="md">
              <AnchorLink to="/actions/$id" params={{ id: a.id }} fw={600} py={4}>
                {a.number} · {a.title}
              </AnchorLink>
              <Text size="sm">
                {t('action.due')}: {formatDate(a.dueOn)} {a.overdue && <Text span c="red.9" fw={700}>({t('action.overdue')})</Text>}
              </Text>
              <Group gap="xs" mt="xs">
                <StatusBadge value={a.priority} />
                <StatusBadge value={a.status} />
              </Group>
            </Card>
          ))}
        </Stack>
        <Table.ScrollContainer minWidth={560} visibleFrom="sm">
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('action.number')}</Table.Th>
                <Table.Th>{t('action.priority')}</Table.Th>
                <Table.Th>{t('action.status')}</Table.Th>
                <Table.Th>{t('action.due')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <AnchorLink to="/actions/$id" params={{ id: a.id }} fw={600}>
                      {a.number} · {a.title}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge value={a.priority} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge value={a.status} />
                  </Table.Td>
                  <Table.Td>
                    {formatDate(a.dueOn)} {a.overdue && <Text span c="red.9" fw={700}>({t('action.overdue')})</Text>}
                  </Table.Td>
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

import { Card, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';

import { api, unwrapJSON } from '../../api/client';
import { useCan } from '../../app/me';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';

/** A count of up to one page; "more than" when the list goes on. */
interface Count {
  n: number;
  more: boolean;
}
const count = (p: { items?: unknown[] | null; nextCursor?: string }): Count => ({ n: p.items?.length ?? 0, more: !!p.nextCursor });

interface Tile {
  key: string;
  label: string;
  to: string;
  search: Record<string, string>;
  load: () => Promise<Count>;
}

function useTiles(): Tile[] {
  const can = useCan();
  const tiles: Tile[] = [];
  if (can('actions:read')) {
    tiles.push(
      {
        key: 'my-open',
        label: 'home.myOpenActions',
        to: '/actions',
        search: { mine: 'true' },
        load: async () => {
          const p = await unwrapJSON(api.GET('/api/actions', { params: { query: { mine: 'true', limit: 100 } } }));
          const open = (p.items ?? []).filter((a) => a.status === 'Open' || a.status === 'In Progress');
          return { n: open.length, more: !!p.nextCursor };
        },
      },
      {
        key: 'my-overdue',
        label: 'home.myOverdueActions',
        to: '/actions',
        search: { mine: 'true', overdue: 'true' },
        load: async () => count(await unwrapJSON(api.GET('/api/actions', { params: { query: { mine: 'true', overdue: 'true', limit: 100 } } }))),
      },
    );
  }
  if (can('actions:verify')) {
    tiles.push({
      key: 'to-verify',
      label: 'home.toVerify',
      to: '/actions',
      search: { status: 'Completed' },
      load: async () => count(await unwrapJSON(api.GET('/api/actions', { params: { query: { status: 'Completed', limit: 100 } } }))),
    });
  }
  if (can('incidents:investigate')) {
    tiles.push(
      {
        key: 'awaiting',
        label: 'home.awaitingInvestigation',
        to: '/incidents',
        search: { status: 'Reported' },
        load: async () => count(await unwrapJSON(api.GET('/api/incidents', { params: { query: { status: 'Reported', limit: 100 } } }))),
      },
      {
        key: 'action-required',
        label: 'home.actionRequired',
        to: '/incidents',
        search: { status: 'Action Required' },
        load: async () => count(await unwrapJSON(api.GET('/api/incidents', { params: { query: { status: 'Action Required', limit: 100 } } }))),
      },
    );
  }
  if (can('incidents:read')) {
    tiles.push({
      key: 'deadlines',
      label: 'home.deadlines',
      to: '/incidents',
      search: { overdue: 'true' },
      load: async () => count(await unwrapJSON(api.GET('/api/incidents', { params: { query: { overdue: 'true', limit: 100 } } }))),
    });
  }
  return tiles;
}

function TileCard({ tile }: { tile: Tile }) {
  const t = useT();
  const q = useQuery({ queryKey: ['home', tile.key], queryFn: tile.load });
  return (
    <Card withBorder padding="lg" radius="md">
      <Stack gap="xs">
        <Text fw={600}>{t(tile.label)}</Text>
        {q.isPending ? (
          <Skeleton height={40} width={60} />
        ) : q.error ? (
          <ErrorAlert error={q.error} />
        ) : (
          <Text size="2.5rem" fw={700} lh={1}>
            {q.data.more ? t('home.more', { count: q.data.n }) : q.data.n}
          </Text>
        )}
        <AnchorLink to={tile.to} search={tile.search} size="md" py={8}>
          {t('home.open')}
          <span className="visually-hidden">: {t(tile.label)}</span>
        </AnchorLink>
      </Stack>
    </Card>
  );
}

export function HomePage() {
  const t = useT();
  const tiles = useTiles();
  return (
    <>
      <PageHeader title={t('home.title')} />
      {tiles.length === 0 ? (
        <Text>{t('home.nothing')}</Text>
      ) : (
        <div className="tiles">
          {tiles.map((tile) => (
            <TileCard key={tile.key} tile={tile} />
          ))}
        </div>
      )}
    </>
  );
}

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, unwrap, unwrapJSON, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

export type Action = Schemas['ActionView'];
export type ActionFilter = {
  mine?: string | undefined;
  status?: string | undefined;
  priority?: string | undefined;
  overdue?: string | undefined;
  escalated?: string | undefined;
  q?: string | undefined;
};
type ListQuery = NonNullable<paths['/api/actions']['get']['parameters']['query']>;

export const actionStatuses = ['Open', 'In Progress', 'Completed', 'Verified'] as const;
export const priorities = ['Low', 'Medium', 'High', 'Critical'] as const;

export function toQuery(f: ActionFilter): ListQuery {
  const q: ListQuery = {};
  if (f.mine === 'true') q.mine = 'true';
  if (f.overdue === 'true') q.overdue = 'true';
  if (f.escalated === 'true') q.escalated = 'true';
  if (f.status && (actionStatuses as readonly string[]).includes(f.status)) q.status = f.status as ListQuery['status'];
  if (f.priority && (priorities as readonly string[]).includes(f.priority)) q.priority = f.priority as ListQuery['priority'];
  if (f.q) q.q = f.q;
  return q;
}

export function useActions(f: ActionFilter) {
  return useInfiniteQuery({
    queryKey: ['actions', f],
    queryFn: ({ pageParam }) => unwrapJSON(api.GET('/api/actions', { params: { query: { ...toQuery(f), limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor || undefined,
  });
}

export function useAction(id: string) {
  return useQuery({ queryKey: ['action', id], queryFn: () => unwrap(api.GET('/api/actions/{id}', { params: { path: { id } } })) });
}

/** stepFor names the endpoint that moves an action to a state. */
export function stepFor(from: string, to: string): 'start' | 'complete' | 'verify' | 'reject' | undefined {
  if (to === 'In Progress') return from === 'Completed' ? 'reject' : 'start';
  if (to === 'Completed') return 'complete';
  if (to === 'Verified') return 'verify';
  return undefined;
}

import { useQuery } from '@tanstack/react-query';
import { api, unwrapJSON } from '../api/client';
import { useCan } from './me';

/** useMembers lists the organization's members when the role may see them. */
export function useMembers() {
  const can = useCan();
  return useQuery({
    queryKey: ['members'],
    queryFn: () => unwrapJSON(api.GET('/api/members')),
    enabled: can('users:read'),
    staleTime: 5 * 60_000,
  });
}

/** useMemberName names a user id when the members are known. */
export function useMemberName(): (id: string | undefined) => string {
  const { data } = useMembers();
  const names = new Map((data?.items ?? []).map((m) => [m.userId, m.name]));
  return (id) => (id ? (names.get(id) ?? '') : '');
}

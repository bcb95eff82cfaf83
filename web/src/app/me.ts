// Who is signed in, where, and what they may do. Permissions come from the
// API; the UI hides what the role cannot use, the server still decides.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

export const meKey = ['me'] as const;
export const permissionsKey = ['me', 'permissions'] as const;

export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: () => unwrap(api.GET('/api/auth/me')), staleTime: 5 * 60_000 });
}

export function usePermissions() {
  return useQuery({
    queryKey: permissionsKey,
    queryFn: () => unwrap(api.GET('/api/auth/me/permissions')),
    staleTime: 5 * 60_000,
  });
}

/** useCan reports whether the member holds a permission such as "incidents:report". */
export function useCan(): (perm: string) => boolean {
  const { data } = usePermissions();
  const set = new Set(data?.permissions ?? []);
  return (perm) => set.has(perm);
}

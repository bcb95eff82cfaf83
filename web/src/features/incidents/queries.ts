// Queries and mutations of incidents. Keys: ['incidents', filter] for lists,
// ['incident', id] and its parts for one incident.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, unwrap, unwrapJSON, type Schemas } from '../../api/client';

export type Incident = Schemas['IncidentView'];
export type IncidentFilter = {
  status?: string | undefined;
  type?: string | undefined;
  severity?: string | undefined;
  stationId?: string | undefined;
  q?: string | undefined;
  overdue?: string | undefined;
};

export const incidentTypes = ['Injury', 'Near Miss', 'Spill / Environmental', 'Fire', 'Property Damage', 'Security', 'Vehicle', 'Safety Observation', 'Other'] as const;
export const severities = ['Low', 'Medium', 'High', 'Critical'] as const;
export const incidentStatuses = ['Reported', 'Under Investigation', 'Action Required', 'Closed'] as const;

type ListQuery = NonNullable<NonNullable<import('../../api/schema').paths['/api/incidents']['get']['parameters']['query']>>;

/** toQuery keeps the filter values the API accepts. */
export function toQuery(f: IncidentFilter): ListQuery {
  const q: ListQuery = {};
  if (f.status && (incidentStatuses as readonly string[]).includes(f.status)) q.status = f.status as ListQuery['status'];
  if (f.type && (incidentTypes as readonly string[]).includes(f.type)) q.type = f.type as ListQuery['type'];
  if (f.severity && (severities as readonly string[]).includes(f.severity)) q.severity = f.severity as ListQuery['severity'];
  if (f.stationId) q.stationId = f.stationId;
  if (f.q) q.q = f.q;
  if (f.overdue === 'true') q.overdue = 'true';
  return q;
}

export function useIncidents(f: IncidentFilter) {
  return useInfiniteQuery({
    queryKey: ['incidents', f],
    queryFn: ({ pageParam }) =>
      unwrapJSON(api.GET('/api/incidents', { params: { query: { ...toQuery(f), limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor || undefined,
  });
}

export function useIncident(id: string) {
  return useQuery({ queryKey: ['incident', id], queryFn: () => unwrap(api.GET('/api/incidents/{id}', { params: { path: { id } } })) });
}

export function useStations() {
  return useQuery({
    queryKey: ['stations', 'all-active'],
    queryFn: () => unwrapJSON(api.GET('/api/stations', { params: { query: { active: 'true', limit: 100, sort: 'name' } } })),
    staleTime: 5 * 60_000,
  });
}

/** moveFor names the endpoint that takes an incident to a state. */
export function moveFor(from: string, to: string): 'investigate' | 'require-action' | 'close' | 'reopen' | undefined {
  if (to === 'Under Investigation') return from === 'Closed' ? 'reopen' : 'investigate';
  if (to === 'Action Required') return 'require-action';
  if (to === 'Closed') return 'close';
  return undefined;
}

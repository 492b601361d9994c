// The workflows list's filters live in the address (/workflows?status=ACTIVE&tag=reports&q=sales),
// so a filtered list can be reloaded, bookmarked and shared.
import type { WorkflowFilter, WorkflowStatus } from '../gql/graphql';

export const STATUSES: WorkflowStatus[] = ['DRAFT', 'ACTIVE', 'PAUSED', 'ARCHIVED'];

export interface Filters {
  status: WorkflowStatus | null;
  tag: string | null;
  search: string;
}

export function parseFilters(search: string): Filters {
  const params = new URLSearchParams(search);
  const status = params.get('status');
  return {
    status: STATUSES.includes(status as WorkflowStatus) ? (status as WorkflowStatus) : null,
    tag: params.get('tag') || null,
    search: params.get('q') ?? '',
  };
}

export function filtersToSearch(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.tag) params.set('tag', filters.tag);
  if (filters.search.trim()) params.set('q', filters.search.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The API's filter: templates have their own view, so they are left out here. */
export function toWorkflowFilter(filters: Filters): WorkflowFilter {
  return {
    status: filters.status,
    tag: filters.tag,
    search: filters.search.trim() || null,
    isTemplate: false,
  };
}

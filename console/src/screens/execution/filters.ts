// The executions list's filters, kept in the address: status, trigger type and a date range
// of start days (`from` and `to` inclusive, in the browser's time zone).
import type { ExecutionFilter, ExecutionStatus, TriggerType } from '../../gql/graphql';

export const EXECUTION_STATUSES: ExecutionStatus[] = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const TRIGGER_TYPES: TriggerType[] = ['MANUAL', 'WEBHOOK', 'SCHEDULE'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface ExecutionFilters {
  status: ExecutionStatus | null;
  trigger: TriggerType | null;
  from: string | null;
  to: string | null;
}

function pick<T extends string>(value: string | null, allowed: T[]): T | null {
  return allowed.includes(value as T) ? (value as T) : null;
}

export function parseExecutionFilters(params: URLSearchParams): ExecutionFilters {
  const day = (key: string) => {
    const value = params.get(key);
    return value && DAY.test(value) ? value : null;
  };
  return {
    status: pick(params.get('status'), EXECUTION_STATUSES),
    trigger: pick(params.get('trigger'), TRIGGER_TYPES),
    from: day('from'),
    to: day('to'),
  };
}

/** The same params with these filters written in (empty ones removed). */
export function withExecutionFilters(params: URLSearchParams, filters: ExecutionFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of ['status', 'trigger', 'from', 'to'] as const) {
    const value = filters[key];
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

function startOfDay(day: string, offsetDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + offsetDays).toISOString();
}

export function toExecutionFilter(filters: ExecutionFilters, workflowId: string | null): ExecutionFilter {
  return {
    workflowId,
    status: filters.status,
    triggerType: filters.trigger,
    startedAfter: filters.from ? startOfDay(filters.from) : null,
    startedBefore: filters.to ? startOfDay(filters.to, 1) : null,
  };
}

/** "1.2 s", "3 min 4 s", "—" while unknown. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

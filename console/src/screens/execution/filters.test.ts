import { expect, test } from 'vitest';
import { duration, parseExecutionFilters, toExecutionFilter, withExecutionFilters } from './filters';

test('filters come from the address and unknown values are dropped', () => {
  const params = new URLSearchParams('tab=executions&status=FAILED&trigger=bogus&from=2026-12-01&to=yesterday');
  expect(parseExecutionFilters(params)).toEqual({ status: 'FAILED', trigger: null, from: '2026-12-01', to: null });
  const written = withExecutionFilters(params, { status: null, trigger: 'WEBHOOK', from: null, to: '2026-12-02' });
  expect(written.toString()).toBe('tab=executions&trigger=WEBHOOK&to=2026-12-02');
});

test('a date range covers whole days, the last one included', () => {
  const filter = toExecutionFilter({ status: null, trigger: null, from: '2026-12-01', to: '2026-12-01' }, 'W1');
  expect(filter.workflowId).toBe('W1');
  const after = Date.parse(filter.startedAfter as string);
  const before = Date.parse(filter.startedBefore as string);
  expect(before - after).toBe(24 * 3600 * 1000);
  expect(new Date(after).getDate()).toBe(1);
});

test('durations read naturally', () => {
  expect(duration(null)).toBe('—');
  expect(duration(250)).toBe('250 ms');
  expect(duration(1234)).toBe('1.2 s');
  expect(duration(184_000)).toBe('3 min 4 s');
});

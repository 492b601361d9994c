import { expect, test } from 'vitest';
import { filtersToSearch, parseFilters, toWorkflowFilter } from './workflowFilters';

test('filters round-trip through the address', () => {
  const filters = { status: 'ACTIVE' as const, tag: 'sales', search: 'lead' };
  expect(filtersToSearch(filters)).toBe('?status=ACTIVE&tag=sales&q=lead');
  expect(parseFilters('status=ACTIVE&tag=sales&q=lead')).toEqual(filters);
  expect(filtersToSearch({ status: null, tag: null, search: '  ' })).toBe('');
});

test('an unknown status in the address is ignored, not sent to the API', () => {
  expect(parseFilters('status=RUNNING').status).toBeNull();
});

test('the API filter leaves templates out and empty search unset', () => {
  expect(toWorkflowFilter({ status: null, tag: null, search: ' ' })).toEqual({
    status: null,
    tag: null,
    search: null,
    isTemplate: false,
  });
});

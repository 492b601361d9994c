import { expect, test } from 'vitest';
import { mergeLogs } from './ExecutionDetail';

const line = (id: string) => ({ __typename: 'LogLine' as const, id, nodeId: null, level: 'INFO' as const, message: id, createdAt: '' });

test('log lines of the first load and of the subscription are shown once each, in order', () => {
  expect(mergeLogs([line('1'), line('2')], [line('2'), line('3')]).map((l) => l.id)).toEqual(['1', '2', '3']);
});

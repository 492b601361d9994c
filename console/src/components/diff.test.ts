import { expect, test } from 'vitest';
import { diffLines } from './diff';

test('a line diff keeps common lines and marks the rest', () => {
  expect(diffLines('a\nb\nc', 'a\nc\nd')).toEqual([
    { kind: 'same', text: 'a' },
    { kind: 'removed', text: 'b' },
    { kind: 'same', text: 'c' },
    { kind: 'added', text: 'd' },
  ]);
  expect(diffLines('x', 'x')).toEqual([{ kind: 'same', text: 'x' }]);
  expect(diffLines('', 'y').filter((l) => l.kind !== 'same')).toEqual([
    { kind: 'removed', text: '' },
    { kind: 'added', text: 'y' },
  ]);
});

import { expect, test } from 'vitest';
import { timelineRows } from './timeline';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();

test('spans become rows in tree order with bars relative to the whole trace', () => {
  const tree = [
    {
      id: 'e',
      startedAt: at(0),
      endedAt: at(10),
      children: [
        {
          id: 'a',
          startedAt: at(1),
          endedAt: at(9),
          children: [
            { id: 'n1', startedAt: at(1), endedAt: at(3) },
            { id: 'n2', startedAt: at(4), endedAt: null },
          ],
        },
      ],
    },
  ];
  const now = Date.parse(at(10));
  const rows = timelineRows(tree, now);
  expect(rows.map((r) => [r.span.id, r.depth])).toEqual([
    ['e', 0],
    ['a', 1],
    ['n1', 2],
    ['n2', 2],
  ]);
  expect(rows[0]).toMatchObject({ offset: 0, width: 1 });
  expect(rows[2]).toMatchObject({ offset: 0.1, width: 0.2 });
  // still running: its bar reaches now
  expect(rows[3]).toMatchObject({ offset: 0.4, width: 0.6 });
  expect(timelineRows([], now)).toEqual([]);
});

import { expect, test } from 'vitest';
import { layoutGraph } from './layout';

test('a chain is laid out top to bottom, conditions label their connections', () => {
  const { nodes, edges } = layoutGraph(
    [
      { id: 'fetch', type: 'http.request' },
      { id: 'summarise', type: 'ai.chat' },
      { id: 'alert', type: 'error-handler' },
    ],
    [
      { from: 'fetch', to: 'summarise', on: 'SUCCESS' },
      { from: 'summarise', to: 'alert', on: 'ERROR' },
    ],
  );
  const y = Object.fromEntries(nodes.map((n) => [n.id, n.position.y]));
  expect(y.fetch).toBeLessThan(y.summarise ?? 0);
  expect(y.summarise).toBeLessThan(y.alert ?? 0);
  expect(nodes[1]?.data).toEqual({ label: 'summarise', nodeType: 'ai.chat' });
  expect(edges.map((e) => e.label)).toEqual([undefined, 'error']);
});

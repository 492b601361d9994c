import { render, screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { BuildCell, logTail } from './BuildCell';

test('a build log shows its tail, saying how much was left out', () => {
  const log = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  expect(logTail(log)).toEqual({ text: Array.from({ length: 40 }, (_, i) => `line ${i + 11}`).join('\n'), omitted: 10 });
  expect(logTail('one\ntwo')).toEqual({ text: 'one\ntwo', omitted: 0 });
  render(
    <BuildCell
      environment={{ buildStatus: 'FAILED', buildError: 'pip failed', buildLog: log, builtImage: null }}
    />,
  );
  expect(screen.getByText('failed')).toBeTruthy();
  expect(screen.getByText('Build log (last 40 lines)')).toBeTruthy();
  expect(screen.getByText('… 10 earlier lines')).toBeTruthy();
  expect(screen.queryByText(/line 10\n/)).toBeNull();
});

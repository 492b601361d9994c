import { act, render, screen } from '@testing-library/react';
import { Client, Provider, makeResult, type Exchange, type Operation } from 'urql';
import { filter, makeSubject, map, mergeMap, never, pipe } from 'wonka';
import { expect, test } from 'vitest';
import { BuildCell, LiveBuildCell, foldBuild, logTail } from './BuildCell';

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

const built = { buildStatus: 'READY', buildError: null, buildLog: 'Collecting six\nSuccessfully installed six\n', builtImage: null } as const;
const event = (kind: string, fields: Record<string, unknown> = {}) =>
  ({ __typename: 'EnvironmentEvent', kind, cursor: 'c', buildStatus: null, buildError: null, logTail: null, ...fields }) as never;

test('build events fold into the build: status, error and the log as it is written', () => {
  // The snapshot of what was loaded changes nothing (its log is the loaded log's tail).
  expect(foldBuild(built, event('SNAPSHOT', { buildStatus: 'READY', logTail: 'Successfully installed six\n' }))).toEqual(built);
  const started = foldBuild(built, event('BUILD', { buildStatus: 'BUILDING', logTail: '' }));
  expect(started).toEqual({ ...built, buildStatus: 'BUILDING', buildLog: '' });
  const writing = foldBuild(started, event('LOG', { buildStatus: 'BUILDING', logTail: 'Collecting pandas\n' }));
  expect(writing).toEqual({ ...built, buildStatus: 'BUILDING', buildLog: 'Collecting pandas\n' });
  const failed = foldBuild(writing, event('BUILD', { buildStatus: 'FAILED', buildError: 'no wheel', logTail: 'ERROR: no wheel\n' }));
  expect(failed).toEqual({ ...built, buildStatus: 'FAILED', buildError: 'no wheel', buildLog: 'ERROR: no wheel\n' });
  expect(foldBuild(failed, event('DELETED'))).toBe(failed);
  expect(foldBuild(failed, { __typename: 'NotFound', message: 'gone', code: 'NOT_FOUND' } as never)).toBe(failed);
});

test('the Build cell follows the environment subscription without reloading', async () => {
  const events = makeSubject<Record<string, unknown>>();
  const subscribed: unknown[] = [];
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation: Operation) => operation.kind !== 'teardown'),
      mergeMap((operation: Operation) => {
        if (operation.kind !== 'subscription') return never;
        subscribed.push(operation.variables);
        return pipe(events.source, map((data) => makeResult(operation, { data })));
      }),
    );
  const client = new Client({ url: '/graphql', exchanges: [exchange] });
  render(
    <Provider value={client}>
      <LiveBuildCell environment={{ id: 'E7', ...built }} />
    </Provider>,
  );
  expect(screen.getByText('ready')).toBeTruthy();
  expect(subscribed).toEqual([{ id: 'E7' }]);
  act(() => events.next({ environmentUpdated: event('BUILD', { buildStatus: 'BUILDING', logTail: '' }) }));
  expect(await screen.findByText('building')).toBeTruthy();
  act(() => events.next({ environmentUpdated: event('LOG', { buildStatus: 'BUILDING', logTail: 'Downloading pandas-2.2.3.whl\n' }) }));
  expect(await screen.findByText('Downloading pandas-2.2.3.whl')).toBeTruthy();
  act(() => events.next({ environmentUpdated: event('BUILD', { buildStatus: 'READY', logTail: 'Successfully installed pandas\n' }) }));
  expect(await screen.findByText('ready')).toBeTruthy();
  expect(screen.getByText('Successfully installed pandas')).toBeTruthy();
});

// The Deploy dialog as a user meets it: the seed's defaults, the GPU type only with a GPU,
// the settings sent, and a deployment failure shown in the dialog (which stays open).
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Client, Provider, makeResult, type Exchange, type Operation } from 'urql';
import { fromValue, map, mergeMap, pipe } from 'wonka';
import { expect, test, vi } from 'vitest';
import { createCache } from '../../api/client';
import type { WorkflowFieldsFragment } from '../../gql/graphql';
import { DeployDialog } from './DeployDialog';

const workflow = {
  __typename: 'Workflow',
  id: 'W1',
  name: 'greeter',
  deploymentSettings: null,
  deploymentPhase: null,
} as unknown as WorkflowFieldsFragment;

const environments = {
  environments: {
    __typename: 'EnvironmentConnection',
    nodes: [{ __typename: 'Environment', id: 'E1', name: 'ml', buildStatus: 'READY' }],
  },
};

/** Answers the environments query, records and answers each mutation with `answer`. */
function recording(sent: Operation[], answer: Record<string, unknown>): Exchange {
  return () => (operations$) =>
    pipe(
      operations$,
      mergeMap((operation: Operation) => {
        if (operation.kind === 'mutation') sent.push(operation);
        const data = operation.kind === 'mutation' ? answer : environments;
        return pipe(fromValue(data), map((value) => makeResult(operation, { data: value })));
      }),
    );
}

test('the defaults are sent, and a deployment failure stays in the dialog', async () => {
  const sent: Operation[] = [];
  const failure = {
    deployWorkflow: {
      __typename: 'DeploymentFailed',
      message: 'environment ml is not built',
      code: 'DEPLOYMENT_FAILED',
      reason: 'ENVIRONMENT_NOT_READY',
      problems: [],
      retryable: true,
    },
  };
  const client = new Client({ url: '/graphql', exchanges: [createCache(), recording(sent, failure)] });
  const onClose = vi.fn();
  render(
    <Provider value={client}>
      <DeployDialog workflow={workflow} onClose={onClose} />
    </Provider>,
  );
  expect(screen.getByLabelText('Environment')).toHaveProperty('value', 'custom');
  expect(screen.queryByLabelText('GPU type')).toBeNull();
  // The environments of the organization are offered, with the base image.
  await waitFor(() => expect(document.querySelector('datalist option[value="ml"]')).not.toBeNull());
  expect(document.querySelector('datalist option[value="custom"]')).not.toBeNull();
  fireEvent.change(screen.getByLabelText('GPU'), { target: { value: '1' } });
  fireEvent.change(screen.getByLabelText('GPU type'), { target: { value: 'nvidia-a100' } });
  fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'ml' } });
  fireEvent.click(screen.getByRole('button', { name: /Deploy workflow/ }));
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toContain('ENVIRONMENT_NOT_READY');
  expect(onClose).not.toHaveBeenCalled();
  await waitFor(() => expect(sent).toHaveLength(1));
  expect(sent[0]!.variables).toEqual({
    id: 'W1',
    force: false,
    settings: { environmentId: 'ml', cpu: 0.5, memory: '1Gi', disk: '5Gi', gpu: 1, gpuType: 'nvidia-a100', autoscale: null },
  });
});

test('autoscale is off by default; turned on it sends its bounds, and saved bounds come back', async () => {
  const sent: Operation[] = [];
  const refused = {
    deployWorkflow: {
      __typename: 'DeploymentFailed',
      message: 'autoscale needs KEDA',
      code: 'DEPLOYMENT_FAILED',
      reason: 'AUTOSCALER_MISSING',
      problems: [],
      retryable: false,
    },
  };
  const client = new Client({ url: '/graphql', exchanges: [createCache(), recording(sent, refused)] });
  const onClose = vi.fn();
  const view = render(
    <Provider value={client}>
      <DeployDialog workflow={workflow} onClose={onClose} />
    </Provider>,
  );
  const toggle = screen.getByLabelText(/Autoscale/);
  expect(toggle).toHaveProperty('checked', false);
  expect(screen.queryByLabelText('Min workers')).toBeNull();
  fireEvent.click(toggle);
  expect(screen.getByLabelText('Min workers')).toHaveProperty('value', '0');
  fireEvent.change(screen.getByLabelText('Max workers'), { target: { value: '4' } });
  fireEvent.click(screen.getByRole('button', { name: /Deploy workflow/ }));
  expect((await screen.findByRole('alert')).textContent).toContain('AUTOSCALER_MISSING');
  expect(sent[0]!.variables).toMatchObject({ settings: { autoscale: { min: 0, max: 4 } } });
  view.unmount();

  const saved = {
    ...workflow,
    deploymentSettings: { environment: 'custom', cpu: 0.5, memory: '1Gi', disk: '5Gi', gpu: 0, gpuType: null, autoscale: { min: 1, max: 6 } },
  } as unknown as WorkflowFieldsFragment;
  render(
    <Provider value={client}>
      <DeployDialog workflow={saved} onClose={onClose} />
    </Provider>,
  );
  expect(screen.getByLabelText(/Autoscale/)).toHaveProperty('checked', true);
  expect(screen.getByLabelText('Min workers')).toHaveProperty('value', '1');
  expect(screen.getByLabelText('Max workers')).toHaveProperty('value', '6');
});

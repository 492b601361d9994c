import { render, screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { MutationError, errorMember } from './MutationError';

test('a deployment failure shows its reason and problems in place', () => {
  const member = errorMember({
    __typename: 'DeploymentFailed',
    message: 'environment gpu-env is not built',
    code: 'DEPLOYMENT_FAILED',
    reason: 'ENVIRONMENT_NOT_READY',
    problems: ['build status: building'],
    retryable: true,
  });
  expect(member).not.toBeNull();
  render(<MutationError problem={{ member: member! }} />);
  const alert = screen.getByRole('alert');
  expect(alert.dataset.error).toBe('DeploymentFailed');
  expect(alert.textContent).toContain('ENVIRONMENT_NOT_READY');
  expect(alert.textContent).toContain('build status: building');
});

test('a version conflict says which versions met, invalid input names its fields', () => {
  const { rerender } = render(
    <MutationError
      problem={{
        member: { __typename: 'VersionConflict', message: 'stale', code: 'VERSION_CONFLICT', expectedVersion: 3, currentVersion: 4 },
      }}
    />,
  );
  expect(screen.getByRole('alert').textContent).toContain('You edited version 3; it is now version 4');
  rerender(
    <MutationError
      problem={{
        member: {
          __typename: 'InvalidInput',
          message: 'invalid',
          code: 'INVALID_INPUT',
          errors: [{ field: 'input.nodes.0.type', message: 'unknown node type' }],
        },
      }}
    />,
  );
  expect(screen.getByRole('alert').textContent).toContain('input.nodes.0.type: unknown node type');
});

test('a success is no error member', () => {
  expect(errorMember({ __typename: 'Workflow', id: '1' })).toBeNull();
  expect(errorMember(null)).toBeNull();
});

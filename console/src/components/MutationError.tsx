// The expected failures of a mutation, shown where the user acted: the error member of the
// result union with what it carries (a deployment failure's reason and problems, the versions
// of a conflict, the fields of invalid input, the file of a git-managed workflow).
import { useCallback, useState } from 'react';
import type { CombinedError } from 'urql';
import { graphql } from '../gql';
import type { ErrorFieldsFragment } from '../gql/graphql';

// Spread into every mutation's result (`...ErrorFields`); graphcache fills it from the schema.
graphql(`
  fragment ErrorFields on Error {
    __typename
    message
    code
    ... on InvalidInput {
      errors {
        field
        message
      }
    }
    ... on VersionConflict {
      expectedVersion
      currentVersion
    }
    ... on DeploymentFailed {
      reason
      problems
      retryable
    }
    ... on GitManaged {
      sourcePath
    }
  }
`);

export type ErrorMember = ErrorFieldsFragment;

/** The error member of a result union, or null when the result is a success. */
export function errorMember(value: unknown): ErrorMember | null {
  if (value && typeof value === 'object' && 'code' in value && 'message' in value) return value as ErrorMember;
  return null;
}

export type Problem = { member: ErrorMember } | { transport: CombinedError } | { text: string };

function Details({ member }: { member: ErrorMember }) {
  switch (member.__typename) {
    case 'DeploymentFailed':
      return (
        <>
          <div className="error-detail">
            reason <code>{member.reason}</code>
            {member.retryable ? ' · worth retrying' : ''}
          </div>
          {member.problems.length > 0 && (
            <ul>
              {member.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </>
      );
    case 'VersionConflict':
      return (
        <div className="error-detail">
          You edited version {member.expectedVersion}; it is now version {member.currentVersion}. Reload the definition, then
          apply your change again.
        </div>
      );
    case 'InvalidInput':
      return member.errors.length ? (
        <ul>
          {member.errors.map((e) => (
            <li key={e.field + e.message}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null;
    case 'GitManaged':
      return member.sourcePath ? (
        <div className="error-detail">
          Change <code>{member.sourcePath}</code> in git instead.
        </div>
      ) : null;
    default:
      return null;
  }
}

export function MutationError({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  if ('text' in problem) {
    return (
      <div className="error" role="alert">
        {problem.text}
      </div>
    );
  }
  if ('transport' in problem) {
    return (
      <div className="error" role="alert">
        {problem.transport.graphQLErrors[0]?.message ?? 'The API could not be reached.'}
      </div>
    );
  }
  const { member } = problem;
  return (
    <div className="error" role="alert" data-error={member.__typename}>
      <strong>{member.__typename}</strong>: {member.message}
      <Details member={member} />
    </div>
  );
}

/** Checks a mutation's answer: true for a success, else remembers the problem to show. */
export function useProblem() {
  const [problem, setProblem] = useState<Problem | null>(null);
  const check = useCallback((result: { error?: CombinedError | undefined }, member: unknown): boolean => {
    if (result.error) {
      setProblem({ transport: result.error });
      return false;
    }
    const error = errorMember(member);
    if (error) {
      setProblem({ member: error });
      return false;
    }
    if (member === undefined || member === null) {
      setProblem({ text: 'The API returned no result.' });
      return false;
    }
    setProblem(null);
    return true;
  }, []);
  return { problem, setProblem, check };
}

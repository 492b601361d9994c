// The organization the console works in, and the others this token opens (`me.organizations`:
// every organization of the user for a token not scoped to one). Picking another checks the
// token against it and starts a new session there: a new client, so no cached data crosses.
import { useState } from 'react';
import { useQuery } from 'urql';
import { useLocation } from 'wouter';
import { SignInError, signInWithToken } from '../api/signIn';
import { graphql } from '../gql';
import { useSession } from './SessionContext';

const Organizations = graphql(`
  query Organizations {
    me {
      organizations {
        id
        slug
        name
      }
    }
  }
`);

export function OrganizationPicker() {
  const { session, signIn } = useSession();
  const [{ data }] = useQuery({ query: Organizations });
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  const organizations = data?.me.organizations ?? [];
  if (!session) return null;
  if (organizations.length < 2) return <strong>{session.organization.name}</strong>;
  const pick = async (slug: string) => {
    try {
      const next = await signInWithToken(session.token, slug);
      signIn({ ...next, expiresAt: session.expiresAt });
      navigate('/workflows', { replace: true });
    } catch (e) {
      setError(e instanceof SignInError ? e.message : 'The organization could not be opened.');
    }
  };
  return (
    <>
      <select
        className="org-picker"
        aria-label="Organization"
        value={session.organization.slug}
        onChange={(e) => void pick(e.target.value)}
      >
        {organizations.map((o) => (
          <option key={o.id} value={o.slug}>
            {o.name}
          </option>
        ))}
      </select>
      {error && (
        <span className="sync-problem" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

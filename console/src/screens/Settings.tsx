// The organization's members (add by handle, change a role, remove) and the caller's API
// tokens (create one, shown once; revoke). Admin-only changes come back as Forbidden and the
// last admin as LastAdmin, in place.
import { KeyRound, Trash2, UserPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { MutationError, useProblem } from '../components/MutationError';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';

const SettingsQuery = graphql(`
  query Settings {
    me {
      role
      user {
        id
      }
    }
    members(first: 100) {
      nodes {
        id
        role
        createdAt
        user {
          id
          handle
          displayName
          isService
        }
      }
    }
    apiTokens(first: 100) {
      nodes {
        id
        name
        prefix
        createdAt
        expiresAt
        revokedAt
        lastUsedAt
      }
    }
  }
`);

const SetMember = graphql(`
  mutation SetMember($handle: String!, $role: Role!) {
    setMember(handle: $handle, role: $role) {
      __typename
      ... on Member {
        id
        role
      }
      ...ErrorFields
    }
  }
`);

const RemoveMember = graphql(`
  mutation RemoveMember($userId: ID!) {
    removeMember(userId: $userId) {
      __typename
      ... on Member {
        id
      }
      ...ErrorFields
    }
  }
`);

const CreateApiToken = graphql(`
  mutation CreateApiToken($name: String!, $expiresAt: DateTime) {
    createApiToken(name: $name, expiresAt: $expiresAt) {
      __typename
      ... on ApiTokenCreated {
        token
        apiToken {
          id
          name
          prefix
        }
      }
      ...ErrorFields
    }
  }
`);

const RevokeApiToken = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on ApiToken {
        id
        revokedAt
      }
      ...ErrorFields
    }
  }
`);

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function Members({ data, refresh }: { data: NonNullable<ReturnType<typeof useSettings>[0]['data']>; refresh(): void }) {
  const [handle, setHandle] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [, setMember] = useMutation(SetMember);
  const [, removeMember] = useMutation(RemoveMember);
  const { problem, check } = useProblem();
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const result = await setMember({ handle, role });
    if (check(result, result.data?.setMember)) {
      setHandle('');
      refresh();
    }
  };
  return (
    <section aria-label="Members">
      <h2>Members</h2>
      <form className="toolbar" onSubmit={(e) => void add(e)}>
        <label className="select">
          <span>Handle</span>
          <input className="inline-input" value={handle} onChange={(e) => setHandle(e.target.value)} required />
        </label>
        <label className="select">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="MEMBER">member</option>
            <option value="ADMIN">admin</option>
          </select>
        </label>
        <button type="submit" className="button">
          <UserPlus size={16} aria-hidden /> Add or change
        </button>
      </form>
      <MutationError problem={problem} />
      <table className="table" aria-label="Member list">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Member since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.members.nodes.map((m) => (
            <tr key={m.id} data-testid="member-row" data-handle={m.user.handle}>
              <td>
                <strong>{m.user.displayName}</strong> <span className="muted">{m.user.handle}</span>
                {m.user.isService && <span className="badge">service</span>}
              </td>
              <td>
                <select
                  aria-label={`Role of ${m.user.handle}`}
                  value={m.role}
                  onChange={(e) =>
                    void setMember({ handle: m.user.handle, role: e.target.value as Role }).then((r) => check(r, r.data?.setMember))
                  }
                >
                  <option value="MEMBER">member</option>
                  <option value="ADMIN">admin</option>
                </select>
              </td>
              <td>{when(m.createdAt)}</td>
              <td>
                <button
                  type="button"
                  className="button ghost"
                  aria-label={`Remove ${m.user.handle}`}
                  onClick={() =>
                    void removeMember({ userId: m.user.id }).then((r) => check(r, r.data?.removeMember) && refresh())
                  }
                >
                  <Trash2 size={14} aria-hidden /> Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Tokens({ data, refresh }: { data: NonNullable<ReturnType<typeof useSettings>[0]['data']>; refresh(): void }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [, createToken] = useMutation(CreateApiToken);
  const [, revoke] = useMutation(RevokeApiToken);
  const { problem, check } = useProblem();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const result = await createToken({ name, expiresAt: null });
    const answer = result.data?.createApiToken;
    if (check(result, answer) && answer?.__typename === 'ApiTokenCreated') {
      setCreated(answer.token);
      setName('');
      refresh();
    }
  };
  return (
    <section aria-label="API tokens">
      <h2>Your API tokens</h2>
      <form className="toolbar" onSubmit={(e) => void create(e)}>
        <label className="select">
          <span>Name</span>
          <input className="inline-input" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <button type="submit" className="button">
          <KeyRound size={16} aria-hidden /> Create token
        </button>
      </form>
      {created && (
        <p className="notice" role="status">
          New token (shown now and never again): <code data-testid="new-token">{created}</code>
        </p>
      )}
      <MutationError problem={problem} />
      <table className="table" aria-label="Token list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.apiTokens.nodes.map((t) => (
            <tr key={t.id} data-testid="token-row" data-name={t.name} data-revoked={t.revokedAt ? 'yes' : 'no'}>
              <td className="name">{t.name}</td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{when(t.createdAt)}</td>
              <td>{when(t.expiresAt)}</td>
              <td>{when(t.lastUsedAt)}</td>
              <td>
                {t.revokedAt ? (
                  <span className="muted">revoked {when(t.revokedAt)}</span>
                ) : (
                  <button
                    type="button"
                    className="button ghost"
                    aria-label={`Revoke ${t.name}`}
                    onClick={() => void revoke({ id: t.id }).then((r) => check(r, r.data?.revokeApiToken))}
                  >
                    <Trash2 size={14} aria-hidden /> Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function useSettings() {
  return useQuery({ query: SettingsQuery, requestPolicy: 'cache-and-network' });
}

export function SettingsScreen() {
  const [{ data, error }, reexecute] = useSettings();
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  return (
    <section className="settings">
      <header className="screen-header">
        <h1>Settings</h1>
        <p className="muted">The organization's members and your API tokens.</p>
      </header>
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The settings could not be loaded.'}
        </p>
      )}
      {data && (
        <>
          <Members data={data} refresh={refresh} />
          <Tokens data={data} refresh={refresh} />
        </>
      )}
    </section>
  );
}

// The organization's secret store: names, versions, who set each and when; set a value (new
// or a replacement) and delete one. A value is write-only: it goes to the API and is never
// shown again, here or anywhere. Resources reference a secret by name (`secret:NAME`).
import { KeyRound, RefreshCw, Trash2 } from 'lucide-react';
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { useMutation, useQuery } from 'urql';
import { MutationError, useProblem } from '../components/MutationError';
import { graphql } from '../gql';
import type { SecretRowFieldsFragment } from '../gql/graphql';

graphql(`
  fragment SecretRowFields on Secret {
    id
    name
    version
    setAt
    setBy {
      id
      handle
    }
  }
`);

const SecretsQuery = graphql(`
  query Secrets {
    me {
      role
    }
    secrets(first: 100) {
      nodes {
        ...SecretRowFields
      }
      totalCount
    }
  }
`);

export const SetSecret = graphql(`
  mutation SetSecret($name: String!, $value: String!) {
    setSecret(name: $name, value: $value) {
      __typename
      ... on Secret {
        ...SecretRowFields
      }
      ...ErrorFields
    }
  }
`);

export const DeleteSecret = graphql(`
  mutation DeleteSecret($name: String!) {
    deleteSecret(name: $name) {
      __typename
      ... on SecretDeleted {
        deletedId
        name
      }
      ...ErrorFields
    }
  }
`);

function SetSecretForm({ name, setName, nameInput }: { name: string; setName(v: string): void; nameInput: RefObject<HTMLInputElement | null> }) {
  const [value, setValue] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching }, set] = useMutation(SetSecret);
  const { problem, check } = useProblem();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const result = await set({ name: name.trim(), value });
    const member = result.data?.setSecret;
    if (!check(result, member) || member?.__typename !== 'Secret') return;
    setValue(''); // never kept once stored
    setName('');
    setDone(`Secret ${member.name} set (version ${member.version}).`);
  };
  return (
    <section>
      <form className="toolbar" aria-label="Set a secret" onSubmit={(e) => void submit(e)}>
        <label className="select">
          <span>Name</span>
          <input ref={nameInput} className="inline-input" value={name} required spellCheck={false} placeholder="warehouse-password" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="select">
          <span>Value</span>
          <input type="password" className="inline-input" value={value} required autoComplete="new-password" spellCheck={false} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" className="button primary" disabled={fetching}>
          <KeyRound size={16} aria-hidden /> Set secret
        </button>
      </form>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <MutationError problem={problem} />
    </section>
  );
}

function DeleteSecretButton({ secret }: { secret: SecretRowFieldsFragment }) {
  const [armed, setArmed] = useState(false);
  const [{ fetching }, remove] = useMutation(DeleteSecret);
  const { problem, check } = useProblem();
  const click = async () => {
    if (!armed) return setArmed(true);
    const result = await remove({ name: secret.name });
    setArmed(false);
    check(result, result.data?.deleteSecret);
  };
  return (
    <>
      <button type="button" className="button ghost" disabled={fetching} onClick={() => void click()} aria-label={`Delete ${secret.name}`}>
        <Trash2 size={14} aria-hidden /> {armed ? 'Confirm delete' : 'Delete'}
      </button>
      {armed && <span className="muted small"> workflows referencing it stop resolving it</span>}
      <MutationError problem={problem} />
    </>
  );
}

export function SecretsScreen() {
  const [{ data, error }] = useQuery({ query: SecretsQuery, requestPolicy: 'cache-and-network' });
  const [name, setName] = useState('');
  const nameInput = useRef<HTMLInputElement | null>(null);
  const secrets = data?.secrets.nodes ?? [];
  const replace = (secretName: string) => {
    setName(secretName);
    nameInput.current?.form?.querySelector<HTMLInputElement>('input[type=password]')?.focus();
    window.scrollTo({ top: 0 });
  };
  return (
    <section>
      <header className="screen-header">
        <h1>Secrets</h1>
        <p className="muted">
          Values are stored encrypted and are write-only: nobody reads one back, here or through the API. Reference a
          secret from a resource as <code>secret:NAME</code>. Setting and deleting take an organization admin.
        </p>
      </header>
      {data && data.me.role !== 'ADMIN' && (
        <p className="notice">You are a member here: the names are yours to read, setting and deleting is for admins.</p>
      )}
      <SetSecretForm name={name} setName={setName} nameInput={nameInput} />
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The secrets could not be loaded.'}
        </p>
      )}
      {data && secrets.length === 0 && <div className="empty">No secrets yet: set one above.</div>}
      {data && data.secrets.totalCount > secrets.length && (
        <p className="muted small">
          The first {secrets.length} of {data.secrets.totalCount} secrets, by name.
        </p>
      )}
      {secrets.length > 0 && (
        <table className="table" aria-label="Secret list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Set by</th>
              <th>Set at</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr key={s.id} data-testid="secret-row" data-name={s.name}>
                <td className="name">
                  <code>{s.name}</code>
                </td>
                <td className="num">{s.version}</td>
                <td>{s.setBy?.handle ?? 'operator'}</td>
                <td title={s.setAt}>{new Date(s.setAt).toLocaleString()}</td>
                <td className="row-actions">
                  <button type="button" className="button ghost" onClick={() => replace(s.name)} aria-label={`Replace value of ${s.name}`}>
                    <RefreshCw size={14} aria-hidden /> Replace value
                  </button>
                  <DeleteSecretButton secret={s} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// Sign in with a pasted API token (and the organization, unless the token belongs to one), or
// with the one-time link `make dev` prints: /sign-in#code=... The code is taken out of the
// address before it is redeemed, so it stays in no history entry.
import { KeyRound, Workflow } from 'lucide-react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { SignInError, signInWithCode, signInWithToken } from '../api/signIn';
import type { Session } from '../api/session';
import { useSession } from '../app/SessionContext';

/** Only a path of this site (never `//host` or a full URL) may be the page after sign-in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/workflows';
}

/** The code of a sign-in link's fragment, removed from the address bar and history. */
export function takeCodeFromFragment(): string | null {
  const code = new URLSearchParams(window.location.hash.slice(1)).get('code');
  if (code !== null) {
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  return code;
}

function describe(error: unknown): string {
  return error instanceof SignInError ? error.message : 'Signing in failed: the API could not be reached.';
}

export function SignInScreen() {
  const { signIn, endedBecause } = useSession();
  const [, navigate] = useLocation();
  const next = safeNext(new URLSearchParams(useSearch()).get('next'));
  const [token, setToken] = useState('');
  const [organization, setOrganization] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const redeemed = useRef(false);

  const finish = (session: Session) => {
    signIn(session);
    navigate(next, { replace: true });
  };

  useEffect(() => {
    if (redeemed.current) return; // a code works once: never send it twice
    const code = takeCodeFromFragment();
    if (code === null) return;
    redeemed.current = true;
    setBusy(true);
    signInWithCode(code)
      .then(finish)
      .catch((e: unknown) => setError(describe(e)))
      .finally(() => setBusy(false));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      finish(await signInWithToken(token, organization));
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand brand-large">
          <Workflow size={28} aria-hidden /> Flowplane
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        {endedBecause && !error && <p className="notice">{endedBecause}</p>}
        <label className="field">
          <span>API token</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellCheck={false}
            placeholder="fp_…"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>Organization</span>
          <input
            name="organization"
            autoComplete="organization"
            spellCheck={false}
            placeholder="slug or id — optional when the token belongs to one"
            value={organization}
            onChange={(e) => setOrganization(e.target.value)}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          <KeyRound size={16} aria-hidden /> {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          <code>make dev</code> prints a one-time sign-in link. Tokens come from{' '}
          <code>flowplane token create --org ORG --user HANDLE</code> or the <code>createApiToken</code> mutation.
          The token is kept in this tab only.
        </p>
      </form>
    </main>
  );
}

// The session as React state, and the one urql client built for it: signing in or out (or
// the API refusing the token) replaces both, so no request ever carries stale credentials.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { createConsoleClient } from '../api/client';
import { clearSession, loadSession, saveSession, type Session } from '../api/session';

interface SessionState {
  session: Session | null;
  /** Why the last session ended, shown on the sign-in screen. */
  endedBecause: string | null;
  signIn(session: Session): void;
  signOut(reason?: string): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside <SessionProvider>');
  return state;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setEndedBecause(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    clearSession();
    setEndedBecause(reason ?? null);
    setSession(null);
  }, []);

  const api = useMemo(
    () =>
      session &&
      createConsoleClient(session, () =>
        signOut('The API no longer accepts this token (expired, revoked or not a member): sign in again.'),
      ),
    [session, signOut],
  );
  useEffect(() => () => api?.dispose(), [api]);

  const state = useMemo(
    () => ({ session, endedBecause, signIn, signOut }),
    [session, endedBecause, signIn, signOut],
  );
  return (
    <SessionContext.Provider value={state}>
      {api ? <Provider value={api.client}>{children}</Provider> : children}
    </SessionContext.Provider>
  );
}

import { expect, test } from 'vitest';
import { SESSION_KEY, authHeaders, clearSession, loadSession, saveSession, type Session } from './session';

const session: Session = {
  token: 'fp_secret',
  organization: { id: '1', slug: 'acme', name: 'Acme Inc.' },
  user: { handle: 'alice', displayName: 'Alice' },
  expiresAt: null,
};

test('a session round-trips through sessionStorage and is cleared on sign-out', () => {
  saveSession(session);
  expect(loadSession()).toEqual(session);
  expect(localStorage.length).toBe(0); // never in storage shared with other tabs
  clearSession();
  expect(loadSession()).toBeNull();
});

test('an expired or malformed session counts as signed out', () => {
  saveSession({ ...session, expiresAt: new Date(Date.now() - 1000).toISOString() });
  expect(loadSession()).toBeNull();
  sessionStorage.setItem(SESSION_KEY, '{not json');
  expect(loadSession()).toBeNull();
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: 1 }));
  expect(loadSession()).toBeNull();
});

test('requests carry the bearer token and the organization', () => {
  expect(authHeaders('fp_x', 'acme')).toEqual({ Authorization: 'Bearer fp_x', 'X-Organization-ID': 'acme' });
  expect(authHeaders('fp_x')).toEqual({ Authorization: 'Bearer fp_x' });
});

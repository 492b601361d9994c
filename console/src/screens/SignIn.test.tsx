import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test, vi } from 'vitest';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { SessionProvider } from '../app/SessionContext';
import { NAME_AN_ORGANIZATION } from '../api/signIn';
import { SignInScreen, safeNext, takeCodeFromFragment } from './SignIn';

test('only a path of this site is a place to return to after signing in', () => {
  expect(safeNext('/workflows?status=ACTIVE')).toBe('/workflows?status=ACTIVE');
  for (const bad of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'workflows']) {
    expect(safeNext(bad)).toBe('/workflows');
  }
});

test('the code of a sign-in link is taken out of the address', () => {
  window.history.replaceState(null, '', '/sign-in?next=%2Fworkflows#code=fpsi_abc');
  expect(takeCodeFromFragment()).toBe('fpsi_abc');
  expect(window.location.href).not.toContain('fpsi_abc');
  expect(window.location.search).toBe('?next=%2Fworkflows');
  expect(takeCodeFromFragment()).toBeNull();
});

test('a refused token is reported in place, and the form stays filled', async () => {
  const fetch = vi.fn(async () =>
    new Response(JSON.stringify({ data: null, errors: [{ message: 'the token is not valid: unknown, expired or revoked', extensions: { code: 'UNAUTHENTICATED' } }] }), {
      headers: { 'Content-Type': 'application/json' },
    }),
  );
  vi.stubGlobal('fetch', fetch);
  const { hook } = memoryLocation({ path: '/sign-in' });
  render(
    <Router hook={hook}>
      <SessionProvider>
        <SignInScreen />
      </SessionProvider>
    </Router>,
  );
  await userEvent.type(screen.getByLabelText('API token'), 'fp_wrong');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect((await screen.findByRole('alert')).textContent).toContain('the token is not valid');
  expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('fp_wrong');
  const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
  expect(new Headers(init.headers).get('Authorization')).toBe('Bearer fp_wrong');
  vi.unstubAllGlobals();
});

test('a token of several organizations signed in without one is asked to name one', async () => {
  const fetch = vi.fn(async () =>
    new Response(JSON.stringify({ errors: [{ message: "missing organization: send 'X-Organization-ID: <id or slug>'", extensions: { code: 'FORBIDDEN' } }] }), {
      status: 403,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
  vi.stubGlobal('fetch', fetch);
  const { hook } = memoryLocation({ path: '/sign-in' });
  render(
    <Router hook={hook}>
      <SessionProvider>
        <SignInScreen />
      </SessionProvider>
    </Router>,
  );
  await userEvent.type(screen.getByLabelText('API token'), 'fp_unscoped');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect((await screen.findByRole('alert')).textContent).toBe(NAME_AN_ORGANIZATION);
  const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
  expect(new Headers(init.headers).get('X-Organization-ID')).toBeNull();
  vi.unstubAllGlobals();
});

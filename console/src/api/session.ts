// Who is signed in. The session lives in sessionStorage: it survives a reload of the tab and
// ends with it, is never shared with other tabs, and never appears in a URL.
export interface Session {
  token: string;
  organization: { id: string; slug: string; name: string };
  user: { handle: string; displayName: string };
  /** When the token stops working (tokens from a sign-in link expire), if known. */
  expiresAt: string | null;
}

export const SESSION_KEY = 'flowplane.session';

function isSession(value: unknown): value is Session {
  const v = value as Partial<Session> | null;
  return (
    typeof v?.token === 'string' &&
    typeof v.organization?.slug === 'string' &&
    typeof v.user?.handle === 'string'
  );
}

export function loadSession(storage: Storage = sessionStorage): Session | null {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null');
    if (!isSession(parsed)) return null;
    if (parsed.expiresAt && Date.parse(parsed.expiresAt) <= Date.now()) return null;
    return parsed;
  } catch {
    return null;
  }
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(SESSION_KEY);
}

/** The headers every request and the websocket's connection_init carry. */
export function authHeaders(token: string, organization?: string): Record<string, string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (organization) headers['X-Organization-ID'] = organization;
  return headers;
}

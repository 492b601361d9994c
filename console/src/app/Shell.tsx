import { LogOut, SquareTerminal, Workflow } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link, useRoute } from 'wouter';
import { routes } from './routes';
import { OrganizationPicker } from './OrganizationPicker';
import { useSession } from './SessionContext';

function NavLink({ path, label }: { path: string; label: string }) {
  const [active] = useRoute(`${path}/*?`);
  return (
    <Link href={path} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand">
          <Workflow size={20} aria-hidden /> Flowplane
        </Link>
        <nav aria-label="Main">
          {routes.filter((r) => r.nav).map((r) => (
            <NavLink key={r.path} path={r.path} label={r.nav ?? ''} />
          ))}
        </nav>
        <div className="topbar-end">
          {/* rel="opener": the new tab gets a copy of this tab's sessionStorage, so GraphiQL
              starts signed in (same origin, so the opener gains nothing it lacked). */}
          <a className="nav-link" href="/graphql" target="_blank" rel="opener">
            <SquareTerminal size={16} aria-hidden /> GraphiQL
          </a>
          <span className="whoami" title={`Signed in as ${session?.user.handle} in ${session?.organization.slug}`}>
            <OrganizationPicker /> · {session?.user.handle}
          </span>
          <button type="button" className="button ghost" onClick={() => signOut()}>
            <LogOut size={16} aria-hidden /> Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

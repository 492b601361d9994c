import { Redirect, Route, Switch, useLocation, useSearch } from 'wouter';
import { SignInScreen } from '../screens/SignIn';
import { NotFound } from '../screens/NotFound';
import { Shell } from './Shell';
import { SessionProvider, useSession } from './SessionContext';
import { routes } from './routes';

function SignedIn() {
  return (
    <Shell>
      <Switch>
        <Route path="/">
          <Redirect to="/workflows" replace />
        </Route>
        {routes.map(({ path, component }) => (
          <Route key={path} path={path} component={component} />
        ))}
        <Route path="/sign-in">
          <Redirect to="/workflows" replace />
        </Route>
        <Route component={NotFound} />
      </Switch>
    </Shell>
  );
}

function Routes() {
  const { session } = useSession();
  const [location] = useLocation();
  const search = useSearch();
  if (session) return <SignedIn />;
  if (location === '/sign-in') return <SignInScreen />;
  // Come back here after signing in (path and query only: the target stays on this site).
  const next = encodeURIComponent(location + (search ? `?${search}` : ''));
  return <Redirect to={location === '/' ? '/sign-in' : `/sign-in?next=${next}`} replace />;
}

export function App() {
  return (
    <SessionProvider>
      <Routes />
    </SessionProvider>
  );
}

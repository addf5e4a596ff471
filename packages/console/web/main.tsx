import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, type ConsoleSession } from './api.ts';
import { AuditLogPage } from './pages/audit-log.tsx';
import { GatewaysPage } from './pages/gateways.tsx';
import { IdentitiesPage } from './pages/identities.tsx';
import { LeasesPage } from './pages/leases.tsx';
import { PamPage } from './pages/pam.tsx';
import { RecordingPage } from './pages/recording.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import './style.css';

/**
 * The console: sign-in, then one page per hash route (#/gateways, #/identities, #/pam,
 * #/sessions, #/sessions/<id>, #/leases, #/audit). Every page calls the control plane's API as
 * the signed-in person's identity, so it shows exactly what that role may read; the navigation
 * offers only the pages the role can read, and refusals are shown in words.
 */
type Role = 'admin' | 'member' | 'auditor';

const PAGES: { route: string; title: string; roles: readonly Role[] }[] = [
  { route: 'gateways', title: 'Gateways & relays', roles: ['admin', 'member', 'auditor'] },
  { route: 'identities', title: 'Identities', roles: ['admin'] },
  { route: 'pam', title: 'PAM', roles: ['admin', 'member', 'auditor'] },
  { route: 'sessions', title: 'Sessions', roles: ['admin', 'member', 'auditor'] },
  { route: 'leases', title: 'Leases', roles: ['admin', 'member', 'auditor'] },
  { route: 'audit', title: 'Audit log', roles: ['admin', 'auditor'] },
];

function currentRoute(): string[] {
  return window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

function App() {
  const [session, setSession] = useState<ConsoleSession | null>();
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    api('GET', '/api/v1/console/session')
      .then((answer) => {
        setCsrfToken(answer.csrfToken);
        setSession(answer);
      })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) {
          console.warn(error);
        }
        setSession(null);
      });
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (session === undefined) return <p class="muted page">Loading…</p>;
  if (session === null) {
    return (
      <SignInPage
        onSignedIn={(answer) => {
          setCsrfToken(answer.csrfToken);
          setSession(answer);
        }}
      />
    );
  }
  const signOut = async () => {
    await api('POST', '/api/v1/console/sign-out').catch(() => undefined);
    setCsrfToken(undefined);
    setSession(null);
  };
  const [page = 'gateways', detail] = route;
  const pages = PAGES.filter((p) => p.roles.includes(session.identity.role as Role));
  const isAdmin = session.identity.role === 'admin';
  return (
    <div class="shell">
      <header>
        <a class="brand" href="#/gateways">
          Burrow
        </a>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <a href={`#/${p.route}`} aria-current={page === p.route ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <div class="who">
          <span>
            {session.user.email} · {session.identity.role} · {session.organization.name}
          </span>
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main class="page">
        {page === 'gateways' && <GatewaysPage canTest={isAdmin} />}
        {page === 'identities' && isAdmin && <IdentitiesPage session={session} />}
        {page === 'pam' && <PamPage session={session} />}
        {page === 'sessions' && !detail && <SessionsPage session={session} />}
        {page === 'sessions' && detail && <RecordingPage sessionId={detail} />}
        {page === 'leases' && <LeasesPage session={session} />}
        {page === 'audit' && <AuditLogPage />}
        {!pages.some((p) => p.route === page) && (
          <p>No such page for your role ({session.identity.role}). Pick one above.</p>
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, type ConsoleSession } from './api.ts';
import { GatewaysPage } from './pages/gateways.tsx';
import { IdentitiesPage } from './pages/identities.tsx';
import { PamPage } from './pages/pam.tsx';
import { RecordingPage } from './pages/recording.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import './style.css';

/**
 * The console: sign-in, then one page per hash route (#/gateways, #/identities, #/pam,
 * #/sessions, #/sessions/<id>). Every page calls the control plane's API as the signed-in
 * person's identity, so it shows exactly what that role may read; refusals are shown in words.
 */
const PAGES = [
  { route: 'gateways', title: 'Gateways & relays' },
  { route: 'identities', title: 'Identities' },
  { route: 'pam', title: 'PAM' },
  { route: 'sessions', title: 'Sessions' },
] as const;

function currentRoute(): string[] {
  return window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

function App() {
  const [session, setSession] = useState<ConsoleSession | null>();
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    api<ConsoleSession>('GET', '/api/v1/console/session')
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
  return (
    <div class="shell">
      <header>
        <a class="brand" href="#/gateways">
          Burrow
        </a>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
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
        {page === 'gateways' && <GatewaysPage />}
        {page === 'identities' && <IdentitiesPage session={session} />}
        {page === 'pam' && <PamPage session={session} />}
        {page === 'sessions' && !detail && <SessionsPage session={session} />}
        {page === 'sessions' && detail && <RecordingPage sessionId={detail} />}
        {!PAGES.some((p) => p.route === page) && <p>No such page. Pick one above.</p>}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);

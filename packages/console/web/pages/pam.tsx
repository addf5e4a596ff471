import { useState } from 'preact/hooks';
import { api, ApiError, type ConsoleSession } from '../api.ts';
import { when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Loading, Problem, Section } from '../widgets.tsx';

interface Resource {
  id: string;
  name: string;
  resourceType: string;
  gatewayId: string;
  connectionDetails: { host?: string; port?: number; url?: string; database?: string };
  createdAt: string;
}

interface Account {
  id: string;
  path: string;
  resourceType: string;
  username: string;
  authMethod?: string;
  createdAt: string;
}

interface Grant {
  id: string;
  identityId: string;
  path: string;
  createdAt: string;
}

/** PAM resources, accounts (never their secrets) and grants; admins grant and revoke here. */
export function PamPage({ session }: { session: ConsoleSession }) {
  const resources = useApi<{ resources: Resource[] }>('/api/v1/pam/resources');
  const accounts = useApi<{ accounts: Account[] }>('/api/v1/pam/accounts');
  const isAdmin = session.identity.role === 'admin';
  return (
    <>
      <Section title="Resources">
        <Loading when={resources.loading && !resources.data} />
        <Problem message={resources.error} />
        {resources.data && resources.data.resources.length === 0 && (
          <p class="muted">
            No PAM resource yet (burrow-control-plane API: POST /api/v1/pam/resources).
          </p>
        )}
        {resources.data && resources.data.resources.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Target</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {resources.data.resources.map((r) => (
                <tr key={r.id}>
                  <td>
                    <strong>{r.name}</strong>
                  </td>
                  <td>{r.resourceType}</td>
                  <td>
                    {r.connectionDetails.url ??
                      `${r.connectionDetails.host}:${r.connectionDetails.port}${
                        r.connectionDetails.database ? ` / ${r.connectionDetails.database}` : ''
                      }`}
                  </td>
                  <td>{when(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Accounts">
        <Loading when={accounts.loading && !accounts.data} />
        <Problem message={accounts.error} />
        {accounts.data && accounts.data.accounts.length === 0 && (
          <p class="muted">No account you may see.</p>
        )}
        {accounts.data && accounts.data.accounts.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Type</th>
                <th scope="col">Logs in as</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.accounts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <code>{a.path}</code>
                  </td>
                  <td>{a.resourceType}</td>
                  <td>
                    {a.username}
                    {a.authMethod ? ` (${a.authMethod})` : ''}
                  </td>
                  <td>{when(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {isAdmin ? <Grants session={session} /> : null}
    </>
  );
}

function Grants({ session }: { session: ConsoleSession }) {
  const grants = useApi<{ grants: Grant[] }>('/api/v1/pam/grants');
  const identities = useApi<{ identities: { id: string; name: string; role: string }[] }>(
    `/api/v1/identities?organizationId=${session.organization.id}`,
  );
  const [identityId, setIdentityId] = useState('');
  const [path, setPath] = useState('');
  const [error, setError] = useState<string>();
  const nameOf = (id: string) => identities.data?.identities.find((i) => i.id === id)?.name ?? id;
  const people = (identities.data?.identities ?? []).filter(
    (i) => i.role === 'member' || i.role === 'auditor' || i.role === 'admin',
  );
  const act = async (change: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await change();
      grants.reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  return (
    <Section title="Grants">
      <Problem message={grants.error} />
      {grants.data && grants.data.grants.length === 0 && <p class="muted">No grant yet.</p>}
      {grants.data && grants.data.grants.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Identity</th>
              <th scope="col">Path</th>
              <th scope="col">Granted</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.data.grants.map((g) => (
              <tr key={g.id}>
                <td>{nameOf(g.identityId)}</td>
                <td>
                  <code>{g.path}</code>
                </td>
                <td>{when(g.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    class="danger"
                    onClick={() => act(() => api('DELETE', `/api/v1/pam/grants/${g.id}`))}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          void act(() => api('POST', '/api/v1/pam/grants', { identityId, path }));
        }}
      >
        <label>
          Identity
          <select
            required
            value={identityId}
            onChange={(e) => setIdentityId(e.currentTarget.value)}
          >
            <option value="">Choose…</option>
            {people.map((i) => (
              <option value={i.id}>
                {i.name} ({i.role})
              </option>
            ))}
          </select>
        </label>
        <label>
          Account or folder
          <input
            required
            placeholder="prod/orders-db or prod/"
            value={path}
            onInput={(e) => setPath(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Grant</button>
      </form>
      <Problem message={error} />
    </Section>
  );
}

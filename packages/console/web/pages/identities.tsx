import { useState } from 'preact/hooks';
import type { RouteBody, routes } from '@burrow/platform-api/browser';
import { api, ApiError, type ConsoleSession } from '../api.ts';
import { when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { DataTable } from '../data-table.tsx';
import { Problem, Section } from '../widgets.tsx';

type PersonRole = RouteBody<typeof routes.createUser>['role'];

/** The organization's identities (machines and people) and adding a person (admin). */
export function IdentitiesPage({ session }: { session: ConsoleSession }) {
  const list = useApi('/api/v1/identities', { query: { organizationId: session.organization.id } });
  return (
    <>
      <Section title="Identities">
        <DataTable
          list={list}
          rows={(d) => d.identities}
          empty="No identity yet."
          columns={[
            {
              title: 'Name',
              cell: (identity) => (
                <>
                  <strong>{identity.name}</strong>
                  <div class="muted small">{identity.id}</div>
                </>
              ),
            },
            { title: 'Role', cell: (identity) => identity.role },
            {
              title: 'Login methods',
              cell: (identity) =>
                identity.authMethods.join(', ') ||
                (identity.name.includes('@') ? 'email and password' : '—'),
            },
            { title: 'Created', cell: (identity) => when(identity.createdAt) },
          ]}
        />
      </Section>
      {session.identity.role === 'admin' && (
        <AddPerson organizationId={session.organization.id} onAdded={list.reload} />
      )}
    </>
  );
}

function AddPerson({ organizationId, onAdded }: { organizationId: string; onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<PersonRole>('member');
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setMessage(undefined);
    try {
      const answer = await api('POST', '/api/v1/users', {
        body: { organizationId, email, role },
      });
      setMessage(
        `${answer.user.email} can sign in with the password ${answer.initialPassword} (shown once: hand it over now).`,
      );
      setEmail('');
      onAdded();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  return (
    <Section title="Add a person">
      <form class="row" onSubmit={submit}>
        <label>
          Email
          <input
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as PersonRole)}>
            <option value="member">member</option>
            <option value="auditor">auditor</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Add</button>
      </form>
      <Problem message={error} />
      {message && (
        <p class="result good" role="status">
          {message}
        </p>
      )}
    </Section>
  );
}

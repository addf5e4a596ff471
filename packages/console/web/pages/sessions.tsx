import { useState } from 'preact/hooks';
import { api, ApiError, type ConsoleSession } from '../api.ts';
import { duration, when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge, Loading, Problem, Section } from '../widgets.tsx';

export interface PamSession {
  id: string;
  accountPath: string;
  resourceType: string;
  status: 'active' | 'ended' | 'expired';
  reason: string | null;
  identityId: string;
  gatewayId: string;
  createdAt: string;
  endedAt: string | null;
  expiresAt: string;
  eventCount: number;
}

/** PAM sessions (every one for admins and auditors, a member's own): open, end a live one. */
export function SessionsPage({ session }: { session: ConsoleSession }) {
  const sessions = useApi<{ sessions: PamSession[] }>('/api/v1/pam/sessions');
  const identities = useApi<{ identities: { id: string; name: string }[] }>(
    session.identity.role === 'admin'
      ? `/api/v1/identities?organizationId=${session.organization.id}`
      : undefined,
  );
  const [error, setError] = useState<string>();
  const who = (id: string) =>
    id === session.identity.id
      ? `${session.identity.name} (you)`
      : (identities.data?.identities.find((i) => i.id === id)?.name ?? id);
  const end = async (id: string) => {
    setError(undefined);
    try {
      await api('POST', `/api/v1/pam/sessions/${id}/end`, {});
      sessions.reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  const canEnd = session.identity.role === 'admin' || session.identity.role === 'member';
  return (
    <Section title="Sessions">
      <Loading when={sessions.loading && !sessions.data} />
      <Problem message={sessions.error} />
      <Problem message={error} />
      {sessions.data && sessions.data.sessions.length === 0 && (
        <p class="muted">No PAM session yet. People open one with burrow pam access.</p>
      )}
      {sessions.data && sessions.data.sessions.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Who</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Status</th>
              <th scope="col">Recording</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.accountPath}</code> <span class="muted">{s.resourceType}</span>
                  {s.reason && <div class="muted small">reason: {s.reason}</div>}
                </td>
                <td>{who(s.identityId)}</td>
                <td>{when(s.createdAt)}</td>
                <td>{duration(s.createdAt, s.endedAt)}</td>
                <td>
                  <Badge tone={s.status === 'active' ? 'good' : 'neutral'}>{s.status}</Badge>
                </td>
                <td>
                  <a href={`#/sessions/${s.id}`}>
                    Review {s.eventCount} event{s.eventCount === 1 ? '' : 's'}
                  </a>
                </td>
                <td>
                  {s.status === 'active' && canEnd && (
                    <button type="button" class="danger" onClick={() => end(s.id)}>
                      End session
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" class="secondary" onClick={sessions.reload}>
        Refresh
      </button>
    </Section>
  );
}

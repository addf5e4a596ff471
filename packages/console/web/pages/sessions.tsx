import { useState } from 'preact/hooks';
import { api, ApiError, type Answer, type ConsoleSession } from '../api.ts';
import { duration, when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { DataTable } from '../data-table.tsx';
import { Badge, Problem, Section } from '../widgets.tsx';

type PamSession = Answer<'/api/v1/pam/sessions'>['sessions'][number];

/** PAM sessions (every one for admins and auditors, a member's own): open, end a live one. */
export function SessionsPage({ session }: { session: ConsoleSession }) {
  const sessions = useApi('/api/v1/pam/sessions');
  const identities = useApi(session.identity.role === 'admin' ? '/api/v1/identities' : undefined, {
    query: { organizationId: session.organization.id },
  });
  const [error, setError] = useState<string>();
  const who = (id: string) =>
    id === session.identity.id
      ? `${session.identity.name} (you)`
      : (identities.data?.identities.find((i) => i.id === id)?.name ?? id);
  const end = async (id: string) => {
    setError(undefined);
    try {
      await api('POST', '/api/v1/pam/sessions/:sessionId/end', {
        params: { sessionId: id },
        body: {},
      });
      sessions.reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  const canEnd = session.identity.role === 'admin' || session.identity.role === 'member';
  return (
    <Section title="Sessions">
      <Problem message={error} />
      <DataTable
        list={sessions}
        rows={(d) => d.sessions}
        empty="No PAM session yet. People open one with burrow pam access."
        columns={[
          {
            title: 'Account',
            cell: (s) => (
              <>
                <code>{s.accountPath}</code> <span class="muted">{s.resourceType}</span>
                {s.reason && <div class="muted small">reason: {s.reason}</div>}
              </>
            ),
          },
          { title: 'Who', cell: (s) => who(s.identityId) },
          { title: 'Started', cell: (s) => when(s.createdAt) },
          { title: 'Duration', cell: (s) => duration(s.createdAt, s.endedAt) },
          {
            title: 'Status',
            cell: (s) => (
              <Badge tone={s.status === 'active' ? 'good' : 'neutral'}>{s.status}</Badge>
            ),
          },
          {
            title: 'Recording',
            cell: (s) => (
              <a href={`#/sessions/${s.id}`}>
                Review {s.eventCount} event{s.eventCount === 1 ? '' : 's'}
              </a>
            ),
          },
          ...(canEnd
            ? [
                {
                  title: 'Actions',
                  hiddenTitle: true,
                  cell: (s: PamSession) =>
                    s.status === 'active' && (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`End the session on ${s.accountPath}`}
                        onClick={() => end(s.id)}
                      >
                        End session
                      </button>
                    ),
                },
              ]
            : []),
        ]}
      />
      <button type="button" class="secondary" onClick={sessions.reload}>
        Refresh
      </button>
    </Section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Answer, type ConsoleSession } from '../api.ts';
import { DataTable, type Loaded } from '../data-table.tsx';
import { ago, until, when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge, Section } from '../widgets.tsx';

type DynamicSecret = Answer<'/api/v1/dynamic-secrets'>['dynamicSecrets'][number];
type Lease = Answer<'/api/v1/dynamic-secrets/:name/leases'>['leases'][number];

/**
 * Dynamic secrets and their leases that are not revoked yet (read-only): every lease for admins
 * and auditors, a member's own. Leases are taken, renewed and revoked with the CLI.
 */
export function LeasesPage({ session }: { session: ConsoleSession }) {
  const secrets = useApi('/api/v1/dynamic-secrets');
  const leases = useLeasesOf(secrets.data?.dynamicSecrets, secrets.error);
  const identities = useApi(session.identity.role === 'member' ? undefined : '/api/v1/identities', {
    query: { organizationId: session.organization.id },
  });
  const who = (id: string) =>
    id === session.identity.id
      ? `${session.identity.name} (you)`
      : (identities.data?.identities.find((i) => i.id === id)?.name ?? id);
  return (
    <>
      <Section title="Dynamic secrets">
        <DataTable
          list={secrets}
          rows={(d) => d.dynamicSecrets}
          empty="No dynamic secret you may lease."
          columns={[
            { title: 'Name', cell: (s) => <strong>{s.name}</strong> },
            { title: 'Default lease', cell: (s) => s.defaultTTL },
            { title: 'Longest lease', cell: (s) => s.maxTTL ?? 'no limit' },
            { title: 'Created', cell: (s) => when(s.createdAt) },
          ]}
        />
      </Section>
      <Section title="Leases">
        <DataTable
          list={leases}
          rows={(d) => d}
          empty="No lease is running. People take one with burrow dynamic-secrets lease create."
          columns={[
            { title: 'Dynamic secret', cell: (l) => <code>{l.dynamicSecretName}</code> },
            { title: 'Database role', cell: (l) => <code>{l.externalEntityId}</code> },
            { title: 'Who', cell: (l) => who(l.identityId) },
            {
              title: 'Status',
              cell: (l) => (
                <>
                  <Badge tone={l.status === 'active' ? 'good' : 'bad'}>{l.status}</Badge>
                  {l.statusDetails && <div class="muted small">{l.statusDetails}</div>}
                </>
              ),
            },
            {
              title: 'Taken',
              cell: (l) => <span title={when(l.createdAt)}>{ago(l.createdAt)}</span>,
            },
            {
              title: 'Expires',
              cell: (l) => <span title={when(l.expireAt)}>{until(l.expireAt)}</span>,
            },
            { title: 'Renewals', cell: (l) => String(l.version - 1) },
          ]}
        />
      </Section>
    </>
  );
}

/** The leases of every listed dynamic secret, newest first. */
function useLeasesOf(
  secrets: DynamicSecret[] | undefined,
  secretsError: string | undefined,
): Loaded<Lease[]> {
  const [state, setState] = useState<Loaded<Lease[]>>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  useEffect(() => {
    if (secretsError) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    if (!secrets) return;
    let current = true;
    Promise.all(
      secrets.map((s) =>
        api('GET', '/api/v1/dynamic-secrets/:name/leases', { params: { name: s.name } }),
      ),
    )
      .then((answers) => {
        const all = answers
          .flatMap((a) => a.leases)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        if (current) setState({ data: all, error: undefined, loading: false });
      })
      .catch((failure: unknown) => {
        const error = failure instanceof ApiError ? failure.message : String(failure);
        if (current) setState({ data: undefined, error, loading: false });
      });
    return () => {
      current = false;
    };
  }, [secrets, secretsError]);
  return state;
}

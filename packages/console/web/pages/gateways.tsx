import { useState } from 'preact/hooks';
import { api, ApiError, type Answer } from '../api.ts';
import { DataTable, type Column } from '../data-table.tsx';
import { ago, until, when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge, Section } from '../widgets.tsx';

type Gateway = Answer<'/api/v2/gateways'>[number];
type RelaySummary = NonNullable<Gateway['relay']>;

/** Certificates this close to expiry are flagged: a gateway re-registers well before. */
const EXPIRY_WARNING_MS = 2 * 60 * 60 * 1000;

/**
 * Gateways (health from heartbeats, the relays that hold each, last seen, version, when its
 * certificates expire) with a connection test; relays (last heartbeat, version, certificate
 * expiry) and the gateways each holds.
 */
export function GatewaysPage({ canTest }: { canTest: boolean }) {
  const gateways = useApi('/api/v2/gateways');
  const relays = useApi('/api/v1/relays');
  return (
    <>
      <Section title="Gateways">
        <DataTable
          list={gateways}
          rows={(list) => list}
          empty="No gateway has registered yet. Start one with burrow-gateway start."
          columns={[
            {
              title: 'Gateway',
              cell: (g) => (
                <>
                  <strong>{g.name}</strong>
                  <div class="muted small">{g.id}</div>
                </>
              ),
            },
            {
              title: 'Health',
              cell: (g) =>
                g.isHealthy ? (
                  <Badge tone="good">healthy</Badge>
                ) : (
                  <Badge tone="bad">unhealthy</Badge>
                ),
            },
            {
              title: 'Last seen',
              nowrap: true,
              cell: (g) => <span title={when(g.heartbeat)}>{ago(g.heartbeat)}</span>,
            },
            {
              title: 'Relays',
              cell: (g) =>
                holdingRelays(g)
                  .map((r) => `${r.name} (${r.host})`)
                  .join(', ') || '—',
            },
            versionColumn,
            expiryColumn,
            ...(canTest
              ? [
                  {
                    title: 'Test a connection',
                    cell: (g: Gateway) => <ConnectionTest gatewayId={g.id} gatewayName={g.name} />,
                  },
                ]
              : []),
          ]}
        />
        <button type="button" class="secondary" onClick={gateways.reload}>
          Refresh
        </button>
      </Section>
      <Section title="Relays">
        <DataTable
          list={relays}
          rows={(list) => list}
          empty="No relay has registered yet."
          columns={[
            { title: 'Relay', cell: (r) => <strong>{r.name}</strong> },
            {
              title: 'Address',
              cell: (r) => `${r.host} · SSH ${r.sshPort} · TLS ${r.tlsPort}`,
            },
            {
              title: 'Last heartbeat',
              cell: (r) => <span title={when(r.heartbeat)}>{ago(r.heartbeat)}</span>,
            },
            {
              title: 'Kind',
              cell: (r) => (r.orgId ? 'organization relay' : 'instance relay'),
            },
            versionColumn,
            expiryColumn,
            {
              title: 'Gateways on it',
              cell: (r) =>
                (gateways.data ?? [])
                  .filter((g) => holdingRelays(g).some((held) => held.id === r.id))
                  .map((g) => g.name)
                  .join(', ') || '—',
            },
          ]}
        />
      </Section>
    </>
  );
}

/** The relays that hold the gateway; only its latest one from a control plane that lists none. */
function holdingRelays(gateway: Gateway): RelaySummary[] {
  return gateway.relays ?? (gateway.relay ? [gateway.relay] : []);
}

/** What gateways and relays both report: the version they run and when their certificates expire. */
type Agent = Pick<Gateway, 'id' | 'version' | 'certificatesExpireAt'>;

const versionColumn: Column<Agent> = {
  title: 'Version',
  nowrap: true,
  cell: (agent: Agent) => agent.version ?? <span class="muted">unknown</span>,
};

const expiryColumn: Column<Agent> = {
  title: 'Certificates expire',
  nowrap: true,
  cell: (agent: Agent) => <Expiry at={agent.certificatesExpireAt} />,
};

function Expiry({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">unknown</span>;
  const left = new Date(at).getTime() - Date.now();
  return (
    <span title={when(at)}>
      {left < EXPIRY_WARNING_MS ? <Badge tone="bad">{until(at)}</Badge> : until(at)}
    </span>
  );
}

function ConnectionTest({ gatewayId, gatewayName }: { gatewayId: string; gatewayName: string }) {
  const [target, setTarget] = useState('127.0.0.1:5432');
  const [result, setResult] = useState<string>();
  const [tone, setTone] = useState<'good' | 'bad'>('good');
  const [busy, setBusy] = useState(false);
  const run = async (event: Event) => {
    event.preventDefault();
    const match = /^(.+):(\d{1,5})$/.exec(target.trim());
    if (!match) {
      setTone('bad');
      setResult('Write the target as host:port, e.g. 127.0.0.1:5432');
      return;
    }
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await api('POST', '/api/v2/gateways/:id/test-connection', {
        params: { id: gatewayId },
        body: { targetHost: match[1] as string, targetPort: Number(match[2]) },
      });
      setTone(answer.reachable ? 'good' : 'bad');
      setResult(
        answer.reachable
          ? `Reachable (tunnel open in ${answer.roundTripMs} ms)`
          : `Not reachable: ${answer.error ?? 'no answer'}`,
      );
    } catch (failure) {
      setTone('bad');
      setResult(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline" onSubmit={run}>
      <label class="visually-hidden" for={`target-${gatewayId}`}>
        Target host:port for {gatewayName}
      </label>
      <input
        id={`target-${gatewayId}`}
        value={target}
        size={18}
        onInput={(e) => setTarget(e.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Testing…' : 'Test'}
      </button>
      {result && (
        <div class={`result ${tone}`} role="status">
          {result}
        </div>
      )}
    </form>
  );
}

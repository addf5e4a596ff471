import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { ago, when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge, Loading, Problem, Section } from '../widgets.tsx';

interface Gateway {
  id: string;
  name: string;
  relayId: string | null;
  relay: { id: string; name: string; host: string } | null;
  identity: { id: string; name: string } | null;
  heartbeat: string | null;
  heartbeatTTL: number | null;
  isHealthy: boolean;
  createdAt: string;
}

interface Relay {
  id: string;
  name: string;
  host: string;
  sshPort: number;
  tlsPort: number;
  heartbeat: string | null;
  orgId: string | null;
}

interface TestResult {
  reachable: boolean;
  roundTripMs: number;
  error?: string;
}

/** Gateways (health from heartbeats, which relay, last seen) with a connection test; relays. */
export function GatewaysPage() {
  const gateways = useApi<Gateway[]>('/api/v2/gateways');
  const relays = useApi<Relay[]>('/api/v1/relays');
  const relayList = relays.data ?? [];
  return (
    <>
      <Section title="Gateways">
        <Loading when={gateways.loading && !gateways.data} />
        <Problem message={gateways.error} />
        {gateways.data && gateways.data.length === 0 && (
          <p class="muted">No gateway has registered yet. Start one with burrow-gateway start.</p>
        )}
        {gateways.data && gateways.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Gateway</th>
                <th scope="col">Health</th>
                <th scope="col">Last seen</th>
                <th scope="col">Relay</th>
                <th scope="col">Registered</th>
                <th scope="col">Test a connection</th>
              </tr>
            </thead>
            <tbody>
              {gateways.data.map((gateway) => (
                <tr key={gateway.id}>
                  <td>
                    <strong>{gateway.name}</strong>
                    <div class="muted small">{gateway.id}</div>
                  </td>
                  <td>
                    {gateway.isHealthy ? (
                      <Badge tone="good">healthy</Badge>
                    ) : (
                      <Badge tone="bad">unhealthy</Badge>
                    )}
                  </td>
                  <td title={when(gateway.heartbeat)}>{ago(gateway.heartbeat)}</td>
                  <td>{gateway.relay ? `${gateway.relay.name} (${gateway.relay.host})` : '—'}</td>
                  <td>{when(gateway.createdAt)}</td>
                  <td>
                    <ConnectionTest gatewayId={gateway.id} gatewayName={gateway.name} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <button type="button" class="secondary" onClick={gateways.reload}>
          Refresh
        </button>
      </Section>
      <Section title="Relays">
        <Problem message={relays.error} />
        {relays.data && relayList.length === 0 && <p class="muted">No relay has registered yet.</p>}
        {relayList.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Relay</th>
                <th scope="col">Address</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Kind</th>
                <th scope="col">Gateways on it</th>
              </tr>
            </thead>
            <tbody>
              {relayList.map((relay) => (
                <tr key={relay.id}>
                  <td>
                    <strong>{relay.name}</strong>
                  </td>
                  <td>
                    {relay.host} · SSH {relay.sshPort} · TLS {relay.tlsPort}
                  </td>
                  <td title={when(relay.heartbeat)}>{ago(relay.heartbeat)}</td>
                  <td>{relay.orgId ? 'organization relay' : 'instance relay'}</td>
                  <td>
                    {(gateways.data ?? [])
                      .filter((g) => g.relayId === relay.id)
                      .map((g) => g.name)
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
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
      const answer = await api<TestResult>(
        'POST',
        `/api/v2/gateways/${gatewayId}/test-connection`,
        {
          targetHost: match[1],
          targetPort: Number(match[2]),
        },
      );
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

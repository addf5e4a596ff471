import { DataTable } from '../data-table.tsx';
import { when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge, Section } from '../widgets.tsx';

/** How many events the page shows (newest first); older ones stay in the API. */
const SHOWN_EVENTS = 200;

/**
 * The organization's audit log, newest first (admins and auditors): what the control plane
 * records today, dynamic-secret leases and PAM password rotations. Sign-ins, grants and
 * inventory changes are not audited yet (README, "not built").
 */
export function AuditLogPage() {
  const events = useApi('/api/v1/organization/audit-logs', { query: { limit: SHOWN_EVENTS } });
  return (
    <Section title="Audit log">
      <p class="muted small">
        Recorded: people’s sign-ins and wrong passwords, PAM resources, accounts and grants
        (created, changed, deleted; never a secret), password rotations and dynamic-secret leases
        (taken, renewed, revoked, expired). The newest {SHOWN_EVENTS} events are shown.
      </p>
      <DataTable
        list={events}
        rows={(d) => d.auditLogs}
        empty="Nothing recorded yet."
        columns={[
          { title: 'When', nowrap: true, cell: (e) => when(e.createdAt) },
          { title: 'Event', nowrap: true, cell: (e) => <code>{e.eventType}</code> },
          {
            title: 'By',
            cell: (e) =>
              e.actor.type === 'platform' ? (
                <span class="muted">control plane (schedule)</span>
              ) : (
                (e.actor.name ?? e.actor.identityId ?? '—')
              ),
          },
          {
            title: 'On',
            cell: (e) => (
              <>
                {e.resourceName} <span class="muted small">{e.resourceType}</span>
              </>
            ),
          },
          {
            title: 'Outcome',
            cell: (e) => <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge>,
          },
          {
            title: 'Details',
            cell: (e) => (
              <span class="small">
                {Object.entries(e.details)
                  .map(([key, value]) => `${key}: ${value ?? '—'}`)
                  .join(' · ')}
              </span>
            ),
          },
        ]}
      />
      <button type="button" class="secondary" onClick={events.reload}>
        Refresh
      </button>
    </Section>
  );
}

import { useState } from 'preact/hooks';
import type { RouteBody, routes } from '@burrow/platform-api/browser';
import { api, type Answer, type ConsoleSession, type PathOf } from '../api.ts';
import { change, failureText, OutcomeLine, type Outcome } from '../change-outcome.tsx';
import { DataTable } from '../data-table.tsx';
import { when } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Problem, Section } from '../widgets.tsx';
import { AddAccount, ReplaceCredentials } from './pam-account-form.tsx';

type Resource = Answer<'/api/v1/pam/resources'>['resources'][number];
type Account = Answer<'/api/v1/pam/accounts'>['accounts'][number];
type ResourceType = RouteBody<typeof routes.createPamResource>['resourceType'];
/** What useApi holds for a list route. */
type Listed<P extends PathOf<'GET'>> = ReturnType<typeof useApi<P>>;

/** A red button that DELETEs and says what happened (or why it was refused). */
function DeleteButton({
  label,
  name,
  remove,
  done,
  show,
  after,
}: {
  label: string;
  /** What screen readers hear, e.g. "Delete prod/orders-db". */
  name: string;
  /** The DELETE call. */
  remove: () => Promise<unknown>;
  done: string;
  show: (outcome: Outcome) => void;
  after: () => void;
}) {
  return (
    <button
      type="button"
      class="danger"
      aria-label={name}
      onClick={() => change(remove, done, show, after)}
    >
      {label}
    </button>
  );
}

function target(r: Resource): string {
  const d = r.connectionDetails;
  if ('url' in d) return d.url;
  return `${d.host}:${d.port}${'database' in d ? ` / ${d.database}` : ''}`;
}

/**
 * PAM resources and accounts (never their secrets) and grants. Admins create, edit, rotate and
 * delete here through the same API routes as every other client; auditors read; a member sees
 * the accounts its grants cover. The server decides: a refused change is shown in words.
 */
export function PamPage({ session }: { session: ConsoleSession }) {
  const role = session.identity.role;
  const isAdmin = role === 'admin';
  const readsInventory = role === 'admin' || role === 'auditor';
  const resources = useApi(readsInventory ? '/api/v1/pam/resources' : undefined);
  const accounts = useApi('/api/v1/pam/accounts');
  const reloadAll = () => {
    resources.reload();
    accounts.reload();
  };
  return (
    <>
      {readsInventory && (
        <Resources resources={resources} isAdmin={isAdmin} onChanged={reloadAll} />
      )}
      <Accounts
        accounts={accounts}
        resources={resources.data?.resources ?? []}
        isAdmin={isAdmin}
        isMember={role === 'member'}
        onChanged={reloadAll}
      />
      {isAdmin ? <Grants session={session} /> : null}
    </>
  );
}

function Resources({
  resources,
  isAdmin,
  onChanged,
}: {
  resources: Listed<'/api/v1/pam/resources'>;
  isAdmin: boolean;
  onChanged: () => void;
}) {
  const [outcome, setOutcome] = useState<Outcome>();
  const [editing, setEditing] = useState<string>();
  return (
    <Section title="Resources">
      <DataTable
        list={resources}
        rows={(d) => d.resources}
        empty={isAdmin ? 'No PAM resource yet: add one below.' : 'No PAM resource yet.'}
        columns={[
          { title: 'Name', cell: (r) => <strong>{r.name}</strong> },
          { title: 'Type', cell: (r) => r.resourceType },
          {
            title: 'Target',
            cell: (r) =>
              editing === r.id ? (
                <EditTarget
                  resource={r}
                  onDone={(text) => {
                    setEditing(undefined);
                    setOutcome({ tone: 'good', text });
                    onChanged();
                  }}
                  onCancel={() => setEditing(undefined)}
                />
              ) : (
                target(r)
              ),
          },
          { title: 'Created', cell: (r) => when(r.createdAt) },
          ...(isAdmin
            ? [
                {
                  title: 'Actions',
                  hiddenTitle: true,
                  cell: (r: Resource) => (
                    <div class="actions">
                      {editing !== r.id && (
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Edit ${r.name}`}
                          onClick={() => setEditing(r.id)}
                        >
                          Edit
                        </button>
                      )}
                      <DeleteButton
                        label="Delete"
                        name={`Delete ${r.name}`}
                        remove={() =>
                          api('DELETE', '/api/v1/pam/resources/:resourceId', {
                            params: { resourceId: r.id },
                          })
                        }
                        done={`Resource ${r.name} deleted.`}
                        show={setOutcome}
                        after={onChanged}
                      />
                    </div>
                  ),
                },
              ]
            : []),
        ]}
      />
      <OutcomeLine outcome={outcome} />
      {isAdmin && <AddResource onAdded={onChanged} />}
    </Section>
  );
}

/** Replaces a resource's host and port (and database), or its URL. */
function EditTarget({
  resource,
  onDone,
  onCancel,
}: {
  resource: Resource;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const d = resource.connectionDetails;
  const [host, setHost] = useState('host' in d ? d.host : '');
  const [port, setPort] = useState('port' in d ? String(d.port) : '');
  const [database, setDatabase] = useState('database' in d ? d.database : '');
  const [url, setUrl] = useState('url' in d ? d.url : '');
  const [error, setError] = useState<string>();
  const save = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    // Everything else (TLS settings, an ssh resource's host keys) stays as it was.
    const connectionDetails =
      'url' in d
        ? { ...d, url }
        : { ...d, host, port: Number(port), ...('database' in d ? { database } : {}) };
    try {
      await api('PATCH', '/api/v1/pam/resources/:resourceId', {
        params: { resourceId: resource.id },
        body: { connectionDetails },
      });
      onDone(`Resource ${resource.name} now points at the new target (new sessions only).`);
    } catch (failure) {
      setError(failureText(failure));
    }
  };
  return (
    <form class="inline" onSubmit={save} aria-label={`Edit ${resource.name}`}>
      {'url' in d ? (
        <label>
          URL
          <input required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        </label>
      ) : (
        <>
          <label>
            Host
            <input required value={host} onInput={(e) => setHost(e.currentTarget.value)} />
          </label>
          <label>
            Port
            <input
              required
              inputMode="numeric"
              size={6}
              value={port}
              onInput={(e) => setPort(e.currentTarget.value)}
            />
          </label>
          {'database' in d && (
            <label>
              Database
              <input
                required
                value={database}
                onInput={(e) => setDatabase(e.currentTarget.value)}
              />
            </label>
          )}
        </>
      )}
      <button type="submit">Save</button>
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel
      </button>
      <Problem message={error} />
    </form>
  );
}

function AddResource({ onAdded }: { onAdded: () => void }) {
  const gateways = useApi('/api/v2/gateways');
  const [form, setForm] = useState({
    name: '',
    resourceType: 'postgres',
    gatewayId: '',
    host: '',
    port: '5432',
    database: '',
    url: '',
    hostKey: '',
  });
  const [outcome, setOutcome] = useState<Outcome>();
  const set = (field: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: e.currentTarget.value });
  const details = () => {
    if (form.resourceType === 'http' || form.resourceType === 'kubernetes')
      return { url: form.url };
    if (form.resourceType === 'ssh') {
      return { host: form.host, port: Number(form.port), hostKeys: [form.hostKey.trim()] };
    }
    return { host: form.host, port: Number(form.port), database: form.database };
  };
  const submit = (event: Event) => {
    event.preventDefault();
    void change(
      () =>
        api('POST', '/api/v1/pam/resources', {
          body: {
            name: form.name,
            // The type picker offers only these.
            resourceType: form.resourceType as ResourceType,
            gatewayId: form.gatewayId,
            connectionDetails: details(),
          },
        }),
      `Resource ${form.name} added.`,
      setOutcome,
      onAdded,
    );
  };
  return (
    <>
      <h3>Add a resource</h3>
      <form class="row" onSubmit={submit} aria-label="Add a resource">
        <label>
          Name
          <input required placeholder="orders" value={form.name} onInput={set('name')} />
        </label>
        <label>
          Type
          <select value={form.resourceType} onChange={set('resourceType')}>
            <option value="postgres">postgres</option>
            <option value="ssh">ssh</option>
            <option value="http">http</option>
            <option value="kubernetes">kubernetes</option>
          </select>
        </label>
        <label>
          Gateway
          <select required value={form.gatewayId} onChange={set('gatewayId')}>
            <option value="">Choose…</option>
            {(gateways.data ?? []).map((g) => (
              <option value={g.id}>{g.name}</option>
            ))}
          </select>
        </label>
        {form.resourceType === 'http' || form.resourceType === 'kubernetes' ? (
          <label>
            URL
            <input
              required
              placeholder="https://api.internal"
              value={form.url}
              onInput={set('url')}
            />
          </label>
        ) : (
          <>
            <label>
              Host
              <input required placeholder="db.internal" value={form.host} onInput={set('host')} />
            </label>
            <label>
              Port
              <input
                required
                inputMode="numeric"
                size={6}
                value={form.port}
                onInput={set('port')}
              />
            </label>
          </>
        )}
        {form.resourceType === 'postgres' && (
          <label>
            Database
            <input required value={form.database} onInput={set('database')} />
          </label>
        )}
        {form.resourceType === 'ssh' && (
          <label>
            Host key (ssh-keyscan line)
            <input
              required
              placeholder="ssh-ed25519 AAAA…"
              value={form.hostKey}
              onInput={set('hostKey')}
            />
          </label>
        )}
        <button type="submit">Add resource</button>
      </form>
      <OutcomeLine outcome={outcome} />
    </>
  );
}

function Accounts({
  accounts,
  resources,
  isAdmin,
  isMember,
  onChanged,
}: {
  accounts: Listed<'/api/v1/pam/accounts'>;
  resources: Resource[];
  isAdmin: boolean;
  isMember: boolean;
  onChanged: () => void;
}) {
  const [outcome, setOutcome] = useState<Outcome>();
  const [changing, setChanging] = useState<string>();
  const rotate = async (a: Account) => {
    setOutcome(undefined);
    try {
      const { rotation } = await api('POST', '/api/v1/pam/accounts/:accountId/rotate', {
        params: { accountId: a.id },
      });
      setOutcome(
        rotation.rotationStatus === 'success'
          ? { tone: 'good', text: `Password of ${a.path} rotated in the database.` }
          : {
              tone: 'bad',
              text: `Rotation of ${a.path} failed, the old password still works: ${rotation.lastRotationMessage ?? 'no reason given'}`,
            },
      );
      onChanged();
    } catch (failure) {
      setOutcome({
        tone: 'bad',
        text: failureText(failure),
      });
    }
  };
  return (
    <Section title="Accounts">
      <DataTable
        list={accounts}
        rows={(d) => d.accounts}
        empty={
          isMember
            ? 'No account is granted to you. Ask an admin for a grant.'
            : 'No PAM account yet.'
        }
        columns={[
          { title: 'Path', cell: (a) => <code>{a.path}</code> },
          { title: 'Type', cell: (a) => a.resourceType },
          {
            title: 'Logs in as',
            cell: (a) => `${a.username}${a.authMethod ? ` (${a.authMethod})` : ''}`,
          },
          { title: 'Created', cell: (a) => when(a.createdAt) },
          ...(isAdmin
            ? [
                {
                  title: 'Actions',
                  hiddenTitle: true,
                  cell: (a: Account) =>
                    changing === a.id ? (
                      <ReplaceCredentials
                        account={a}
                        onDone={(text) => {
                          setChanging(undefined);
                          setOutcome({ tone: 'good', text });
                          onChanged();
                        }}
                        onCancel={() => setChanging(undefined)}
                      />
                    ) : (
                      <div class="actions">
                        {a.resourceType === 'postgres' && (
                          <button
                            type="button"
                            aria-label={`Rotate the password of ${a.path}`}
                            onClick={() => rotate(a)}
                          >
                            Rotate
                          </button>
                        )}
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Replace the credentials of ${a.path}`}
                          onClick={() => setChanging(a.id)}
                        >
                          Replace credentials
                        </button>
                        <DeleteButton
                          label="Delete"
                          name={`Delete ${a.path}`}
                          remove={() =>
                            api('DELETE', '/api/v1/pam/accounts/:accountId', {
                              params: { accountId: a.id },
                            })
                          }
                          done={`Account ${a.path} deleted, with its grants on exactly that path.`}
                          show={setOutcome}
                          after={onChanged}
                        />
                      </div>
                    ),
                },
              ]
            : []),
        ]}
      />
      <OutcomeLine outcome={outcome} />
      {isAdmin && <AddAccount resources={resources} onAdded={onChanged} />}
    </Section>
  );
}

function Grants({ session }: { session: ConsoleSession }) {
  const grants = useApi('/api/v1/pam/grants');
  const identities = useApi('/api/v1/identities', {
    query: { organizationId: session.organization.id },
  });
  const [identityId, setIdentityId] = useState('');
  const [path, setPath] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const nameOf = (id: string) => identities.data?.identities.find((i) => i.id === id)?.name ?? id;
  const people = (identities.data?.identities ?? []).filter(
    (i) => i.role === 'member' || i.role === 'auditor' || i.role === 'admin',
  );
  return (
    <Section title="Grants">
      <DataTable
        list={grants}
        rows={(d) => d.grants}
        empty="No grant yet."
        columns={[
          { title: 'Identity', cell: (g) => nameOf(g.identityId) },
          { title: 'Path', cell: (g) => <code>{g.path}</code> },
          { title: 'Granted', cell: (g) => when(g.createdAt) },
          {
            title: 'Actions',
            hiddenTitle: true,
            cell: (g) => (
              <DeleteButton
                label="Revoke"
                name={`Revoke ${g.path} from ${nameOf(g.identityId)}`}
                remove={() =>
                  api('DELETE', '/api/v1/pam/grants/:grantId', { params: { grantId: g.id } })
                }
                done={`Grant on ${g.path} revoked.`}
                show={setOutcome}
                after={grants.reload}
              />
            ),
          },
        ]}
      />
      <form
        class="row"
        aria-label="Grant access"
        onSubmit={(event) => {
          event.preventDefault();
          void change(
            () => api('POST', '/api/v1/pam/grants', { body: { identityId, path } }),
            `${nameOf(identityId)} may now open ${path}.`,
            setOutcome,
            grants.reload,
          );
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
      <OutcomeLine outcome={outcome} />
    </Section>
  );
}

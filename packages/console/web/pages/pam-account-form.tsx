import { useState } from 'preact/hooks';
import type { RouteBody, routes } from '@burrow/platform-api/browser';
import { api, type Answer } from '../api.ts';
import { change, failureText, OutcomeLine, type Outcome } from '../change-outcome.tsx';
import { Problem } from '../widgets.tsx';

/**
 * The account forms: add an account of any kind the API takes, and replace an account's
 * credential (or switch its login method). Secrets go one way: typed here, sent to the control
 * plane, never shown again — the API answers none, and a replace form's fields start empty with
 * a placeholder saying one is set.
 *
 * What each resource type logs in with (@burrow/platform-api routes/pam-accounts.ts):
 *   postgres     a password
 *   ssh          password | public-key (a private key) | certificate (nothing stored)
 *   http         basic (password) | bearer (token) | header (header name and token)
 *   kubernetes   service-account-token (token)
 */
type Account = Answer<'/api/v1/pam/accounts'>['accounts'][number];
type Resource = Answer<'/api/v1/pam/resources'>['resources'][number];
export type AccountResource = Pick<Resource, 'id' | 'name' | 'resourceType'>;
export type EditableAccount = Pick<Account, 'id' | 'path' | 'resourceType' | 'authMethod'>;
type AuthMethod = NonNullable<Account['authMethod']>;
/** What PATCH and POST take as an account's login: its method and the method's fields. */
type Credentials = NonNullable<RouteBody<typeof routes.updatePamAccount>['credentials']>;

type CredentialField = 'password' | 'privateKey' | 'token' | 'headerName';

interface LoginMethod {
  /** undefined: postgres, whose accounts name no method. */
  authMethod: AuthMethod | undefined;
  label: string;
  fields: CredentialField[];
  note?: string;
}

const LOGIN_METHODS: Record<string, LoginMethod[]> = {
  postgres: [{ authMethod: undefined, label: 'password', fields: ['password'] }],
  ssh: [
    { authMethod: 'password', label: 'password', fields: ['password'] },
    { authMethod: 'public-key', label: 'public key', fields: ['privateKey'] },
    {
      authMethod: 'certificate',
      label: 'certificate',
      fields: [],
      note: 'Nothing is stored: each session gets a fresh key and a certificate of the organization’s PAM SSH CA, which the target’s sshd must trust (TrustedUserCAKeys).',
    },
  ],
  http: [
    { authMethod: 'basic', label: 'basic (password)', fields: ['password'] },
    { authMethod: 'bearer', label: 'bearer token', fields: ['token'] },
    { authMethod: 'header', label: 'token in a header', fields: ['headerName', 'token'] },
  ],
  kubernetes: [
    { authMethod: 'service-account-token', label: 'service-account token', fields: ['token'] },
  ],
};

function methodsOf(resourceType: string | undefined): LoginMethod[] {
  return (resourceType && LOGIN_METHODS[resourceType]) || [];
}

function methodNamed(resourceType: string | undefined, authMethod: string | undefined) {
  const methods = methodsOf(resourceType);
  return methods.find((m) => m.authMethod === authMethod) ?? methods[0];
}

type Values = Record<CredentialField, string>;
const NO_VALUES: Values = { password: '', privateKey: '', token: '', headerName: '' };

/** The credentials object the API takes for `method`: its authMethod and its fields only. */
function credentialsOf(method: LoginMethod, values: Values): Credentials {
  return {
    ...(method.authMethod ? { authMethod: method.authMethod } : {}),
    ...Object.fromEntries(method.fields.map((field) => [field, values[field]])),
  };
}

/** The method picker (when there is a choice) and the inputs the chosen method needs. */
function CredentialInputs({
  resourceType,
  method,
  onMethod,
  values,
  onValue,
  placeholder,
}: {
  resourceType: string | undefined;
  method: LoginMethod | undefined;
  onMethod: (authMethod: AuthMethod) => void;
  values: Values;
  onValue: (field: CredentialField, value: string) => void;
  /** Shown in empty secret fields: what is stored now (the replace form), never the secret. */
  placeholder?: string;
}) {
  const methods = methodsOf(resourceType);
  const input = (field: CredentialField) => (e: { currentTarget: { value: string } }) =>
    onValue(field, e.currentTarget.value);
  return (
    <>
      {methods.length > 1 && (
        <label>
          Logs in with
          <select
            value={method?.authMethod ?? ''}
            // Offered only for types whose every method is named.
            onChange={(e) => onMethod(e.currentTarget.value as AuthMethod)}
          >
            {methods.map((m) => (
              <option value={m.authMethod ?? ''}>{m.label}</option>
            ))}
          </select>
        </label>
      )}
      {method?.fields.includes('headerName') && (
        <label>
          Header name
          <input
            required
            placeholder="X-Api-Key"
            value={values.headerName}
            onInput={input('headerName')}
          />
        </label>
      )}
      {method?.fields.includes('password') && (
        <label>
          Password
          <input
            type="password"
            autocomplete="new-password"
            required
            placeholder={placeholder}
            value={values.password}
            onInput={input('password')}
          />
        </label>
      )}
      {method?.fields.includes('token') && (
        <label>
          Token
          <input
            type="password"
            autocomplete="off"
            required
            placeholder={placeholder}
            value={values.token}
            onInput={input('token')}
          />
        </label>
      )}
      {method?.fields.includes('privateKey') && (
        <label>
          Private key (OpenSSH or PEM, no passphrase)
          <textarea
            required
            rows={3}
            cols={40}
            spellcheck={false}
            autocomplete="off"
            placeholder={placeholder || '-----BEGIN OPENSSH PRIVATE KEY-----'}
            value={values.privateKey}
            onInput={input('privateKey')}
          />
        </label>
      )}
      {method?.note && <p class="muted small note">{method.note}</p>}
    </>
  );
}

export function AddAccount({
  resources,
  onAdded,
}: {
  resources: AccountResource[];
  onAdded: () => void;
}) {
  const [form, setForm] = useState({ resourceId: '', folderPath: '', name: '', username: '' });
  const [authMethod, setAuthMethod] = useState<AuthMethod>();
  const [values, setValues] = useState<Values>(NO_VALUES);
  const [outcome, setOutcome] = useState<Outcome>();
  const set = (field: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: e.currentTarget.value });
  const resourceType = resources.find((r) => r.id === form.resourceId)?.resourceType;
  const method = methodNamed(resourceType, authMethod);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!method) return;
    const path = form.folderPath ? `${form.folderPath}/${form.name}` : form.name;
    void change(
      () =>
        api('POST', '/api/v1/pam/accounts', {
          body: {
            resourceId: form.resourceId,
            name: form.name,
            ...(form.folderPath ? { folderPath: form.folderPath } : {}),
            credentials: { username: form.username, ...credentialsOf(method, values) },
          },
        }),
      `Account ${path} added.`,
      (next) => {
        setOutcome(next);
        if (next?.tone === 'good') {
          setForm({ ...form, name: '', username: '' });
          setValues(NO_VALUES);
        }
      },
      onAdded,
    );
  };
  return (
    <>
      <h3>Add an account</h3>
      <form class="row" onSubmit={submit} aria-label="Add an account">
        <label>
          Resource
          <select
            required
            value={form.resourceId}
            onChange={(e) => {
              setForm({ ...form, resourceId: e.currentTarget.value });
              setAuthMethod(undefined);
            }}
          >
            <option value="">Choose…</option>
            {resources.map((r) => (
              <option value={r.id}>
                {r.name} ({r.resourceType})
              </option>
            ))}
          </select>
        </label>
        <label>
          Folder
          <input placeholder="prod" value={form.folderPath} onInput={set('folderPath')} />
        </label>
        <label>
          Name
          <input required placeholder="orders-db" value={form.name} onInput={set('name')} />
        </label>
        <label>
          {resourceType === 'kubernetes' ? 'Service account' : 'Username'}
          <input required value={form.username} onInput={set('username')} />
        </label>
        <CredentialInputs
          resourceType={resourceType}
          method={method}
          onMethod={setAuthMethod}
          values={values}
          onValue={(field, value) => setValues({ ...values, [field]: value })}
        />
        <button type="submit">Add account</button>
      </form>
      <OutcomeLine outcome={outcome} />
    </>
  );
}

/**
 * Replaces what the gateway logs in with (PATCH credentials; sessions opened from now on): a new
 * secret for the same method, or another method of the resource type with its fields.
 */
export function ReplaceCredentials({
  account,
  onDone,
  onCancel,
}: {
  account: EditableAccount;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [authMethod, setAuthMethod] = useState(account.authMethod);
  const [values, setValues] = useState<Values>(NO_VALUES);
  const [error, setError] = useState<string>();
  const method = methodNamed(account.resourceType, authMethod);
  const save = async (event: Event) => {
    event.preventDefault();
    if (!method) return;
    setError(undefined);
    try {
      await api('PATCH', '/api/v1/pam/accounts/:accountId', {
        params: { accountId: account.id },
        body: { credentials: credentialsOf(method, values) },
      });
      onDone(`New credentials of ${account.path} stored (sessions opened from now on use them).`);
    } catch (failure) {
      setError(failureText(failure));
    }
  };
  return (
    <form class="inline" onSubmit={save} aria-label={`Replace the credentials of ${account.path}`}>
      <CredentialInputs
        resourceType={account.resourceType}
        method={method}
        onMethod={setAuthMethod}
        values={values}
        onValue={(field, value) => setValues({ ...values, [field]: value })}
        placeholder={method?.authMethod === account.authMethod ? 'set — type to replace' : ''}
      />
      <button type="submit">Save</button>
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel
      </button>
      <Problem message={error} />
    </form>
  );
}

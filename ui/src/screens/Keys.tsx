import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, type Key } from '../lib/api';
import { Badge, btnDanger, btnPlain, btnPrimary, Card, Dialog, ErrorText, Field, input, Loading, PageTitle, Table, time } from '../components/ui';

export default function Keys() {
  const qc = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => get<{ items: Key[] }>('/v1/keys') });
  const [role, setRole] = useState('finance');
  const [agent, setAgent] = useState('');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ id: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoke, setRevoke] = useState<Key | null>(null);
  const create = useMutation({
    mutationFn: () => api<{ id: string; key: string }>('POST', '/v1/keys', { role, ...(role === 'agent' ? { agent } : {}), ...(name ? { name } : {}) }),
    onSuccess: (k) => {
      setCreated(k);
      setCopied(false);
      setName('');
      qc.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  const rev = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/keys/${encodeURIComponent(id)}`),
    onSuccess: () => {
      setRevoke(null);
      qc.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <div className="space-y-4">
      <PageTitle sub="Keys are stored hashed: a secret is shown once, when it is created.">Keys</PageTitle>
      <Card title="Create a key">
        <form onSubmit={submit} className="grid gap-2 sm:grid-cols-4 sm:items-end">
          <Field label="Role">
            {(id) => (
              <select id={id} className={input} value={role} onChange={(e) => setRole(e.target.value)}>
                <option>admin</option>
                <option>finance</option>
                <option>approver</option>
                <option>agent</option>
              </select>
            )}
          </Field>
          {role === 'agent' && <Field label="Agent">{(id) => <input id={id} className={input} value={agent} onChange={(e) => setAgent(e.target.value)} required />}</Field>}
          <Field label="Name">{(id) => <input id={id} className={input} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <button type="submit" className={btnPrimary} disabled={create.isPending}>
            Create key
          </button>
        </form>
        <ErrorText error={create.error} />
        {created && (
          <div className="mt-3 rounded border border-amber-400 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950" role="status">
            <p className="font-semibold">Copy the secret of {created.id} now: it will not be shown again.</p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code className="break-all rounded bg-white px-2 py-1 text-xs dark:bg-slate-900" aria-label="New key secret">
                {created.key}
              </code>
              <button
                className={btnPlain}
                onClick={async () => {
                  try {
                    await navigator.clipboard.writeText(created.key);
                    setCopied(true);
                  } catch {
                    setCopied(false);
                  }
                }}
              >
                Copy
              </button>
              {copied && <span>Copied.</span>}
              <button className={btnPlain} onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Card>
      <Card title="Keys of this org">
        {keys.isPending ? (
          <Loading />
        ) : keys.error ? (
          <ErrorText error={keys.error} />
        ) : (
          <Table label="Keys">
            <thead>
              <tr>
                <th>Id</th>
                <th>Role</th>
                <th>Agent</th>
                <th>Name</th>
                <th>Created (UTC)</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td className="font-mono text-xs">{k.id}</td>
                  <td>{k.role}</td>
                  <td>{k.agent ?? ''}</td>
                  <td>{k.name}</td>
                  <td className="whitespace-nowrap">{time(k.created_at)}</td>
                  <td>
                    {k.revoked ? (
                      <Badge tone="red">revoked</Badge>
                    ) : (
                      <button className={btnPlain} onClick={() => setRevoke(k)}>
                        Revoke <span className="sr-only">{k.id}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Dialog open={!!revoke} title={`Revoke ${revoke?.id ?? ''}?`} onClose={() => setRevoke(null)}>
        <p className="text-sm">It stops working at once. This cannot be undone.</p>
        <ErrorText error={rev.error} />
        <div className="mt-3 flex justify-end gap-2">
          <button className={btnPlain} onClick={() => setRevoke(null)}>
            Cancel
          </button>
          <button className={btnDanger} onClick={() => revoke && rev.mutate(revoke.id)} disabled={rev.isPending}>
            Confirm
          </button>
        </div>
      </Dialog>
    </div>
  );
}

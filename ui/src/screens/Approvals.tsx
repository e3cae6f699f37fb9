import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, get, type Approval, type Page } from '../lib/api';
import { age, btnDanger, btnPlain, btnPrimary, can, Card, Dialog, ErrorText, Field, input, Loading, Money, PageTitle, Table, useApp } from '../components/ui';

export default function Approvals() {
  const { session } = useApp();
  const q = useQuery({ queryKey: ['approvals'], queryFn: () => get<Page<Approval>>('/v1/approvals?status=pending&limit=200'), refetchInterval: 15_000 });
  const [decide, setDecide] = useState<{ a: Approval; approve: boolean } | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="space-y-4">
      <PageTitle sub={can.approve(session) ? 'Spends over an approval threshold wait here. Approving captures the held amount as a spend; denying releases it.' : 'Read-only: approving needs an approver or admin key.'}>Approvals</PageTitle>
      <Card title="Pending">
        {q.isPending ? (
          <Loading />
        ) : q.error ? (
          <ErrorText error={q.error} />
        ) : q.data.items.length === 0 ? (
          <p className="text-sm">Nothing is waiting for approval.</p>
        ) : (
          <Table label="Pending approvals">
            <thead>
              <tr>
                <th>Id</th>
                <th>Agent</th>
                <th className="text-right">Amount</th>
                <th>Vendor</th>
                <th>Intent</th>
                <th>Age</th>
                <th>Expires in</th>
                {can.approve(session) && <th>Decision</th>}
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((a) => (
                <tr key={a.id}>
                  <td className="font-mono text-xs">{a.id}</td>
                  <td>{a.agent}</td>
                  <td className="text-right"><Money value={a.amount} /></td>
                  <td>{a.vendor}</td>
                  <td>{a.intent || '—'}</td>
                  <td>{age(a.created_at, now)}</td>
                  <td>{age(new Date(now).toISOString(), Date.parse(a.expires_at))}</td>
                  {can.approve(session) && (
                    <td className="whitespace-nowrap">
                      <button className={btnPrimary + ' mr-1'} onClick={() => setDecide({ a, approve: true })}>
                        Approve <span className="sr-only">{a.id}</span>
                      </button>
                      <button className={btnPlain} onClick={() => setDecide({ a, approve: false })} aria-label={`Deny ${a.id}`}>
                        Deny
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      {decide && <Decide a={decide.a} approve={decide.approve} onClose={() => setDecide(null)} />}
    </div>
  );
}

function Decide({ a, approve, onClose }: { a: Approval; approve: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const m = useMutation({
    mutationFn: async () => {
      const r = await api<{ spend?: { status: string; reason?: string; message?: string } }>('POST', `/v1/approvals/${encodeURIComponent(a.id)}/${approve ? 'approve' : 'deny'}`, reason ? { reason } : {});
      // An approval can still be refused at booking time (a budget filled up meanwhile, a freeze, the kill-switch).
      if (r?.spend?.status === 'denied') throw new ApiError(402, r.spend.reason ?? '', r.spend.message ?? '', r.spend);
      return r;
    },
    onSettled: () => {
      qc.invalidateQueries({ queryKey: ['approvals'] });
      qc.invalidateQueries({ queryKey: ['budgets'] });
    },
    onSuccess: () => onClose(),
  });
  return (
    <Dialog open title={`${approve ? 'Approve' : 'Deny'} ${a.id}?`} onClose={onClose}>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate();
        }}
      >
        <p className="text-sm">
          {a.agent} asks <Money value={a.amount} /> at {a.vendor}
          {a.intent ? ` for “${a.intent}”` : ''}. {approve ? 'The held amount will be booked as a spend.' : 'The hold will be released.'}
        </p>
        <Field label="Note">{(id) => <input id={id} className={input} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
        <ErrorText error={m.error} />
        <div className="flex justify-end gap-2">
          <button type="button" className={btnPlain} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={approve ? btnPrimary : btnDanger} disabled={m.isPending}>
            Confirm
          </button>
        </div>
      </form>
    </Dialog>
  );
}

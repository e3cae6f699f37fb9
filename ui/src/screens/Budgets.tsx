import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, flatten, get, qs, query, type BudgetNode, type LimitView, type Page, type Policy, type SpendItem } from '../lib/api';
import { fromMicros, percent, toMicros } from '../lib/money';
import { rfc3339 } from '../lib/period';
import { href } from '../lib/router';
import { Badge, Bar, btnDanger, btnPlain, btnPrimary, can, Card, Dialog, ErrorText, Field, input, Loading, Money, PageTitle, useApp } from '../components/ui';
import { LazyChart } from '../components/LazyChart';
import { toChartNumber } from '../lib/money';
import { SpendsTable } from './Spends';

export function useBudgets() {
  return useQuery({ queryKey: ['budgets'], queryFn: () => get<BudgetNode>('/v1/budgets') });
}

/** The least remaining over a node's limits and all its ancestors' (what binds its next spend). */
export function effectiveRemaining(path: BudgetNode[]): { amount: string | null; node?: string; period?: string } {
  let best: { amount: bigint; node: string; period: string } | null = null;
  for (const n of path) for (const l of n.limits) if (!best || toMicros(l.remaining) < best.amount) best = { amount: toMicros(l.remaining), node: n.id, period: l.period };
  return best ? { amount: fromMicros(best.amount), node: best.node, period: best.period } : { amount: null };
}

export default function Budgets({ node }: { node?: string }) {
  return node ? <NodePage id={node} /> : <Tree />;
}

function Tree() {
  const q = useBudgets();
  const { session } = useApp();
  if (q.isPending) return <Loading what="Loading budgets" />;
  if (q.error) return <ErrorText error={q.error} />;
  const rows = flatten(q.data);
  const byId = new Map(rows.map((r) => [r.node.id, r.node]));
  return (
    <div>
      <PageTitle sub="Org → teams → agents, current periods. Spent plus held counts against each limit.">Budgets</PageTitle>
      <Card>
        <ul className="divide-y divide-slate-200 dark:divide-slate-700" aria-label="Budget tree">
          {rows.map(({ node, depth, path }) => {
            const eff = effectiveRemaining([...path.map((p) => byId.get(p)!), node]);
            return (
              <li key={node.id} className="py-2" style={{ paddingLeft: `${Math.min(depth, 4) * 1.25}rem` }}>
                <div className="flex flex-wrap items-center gap-2">
                  <a className="font-medium text-sky-800 underline dark:text-sky-300" href={href('budgets', node.id)}>
                    {node.id}
                  </a>
                  <span className="text-sm text-slate-600 dark:text-slate-300">{node.name !== node.id ? node.name : ''}</span>
                  <Badge>{node.kind}</Badge>
                  {node.frozen && <Badge tone="red">frozen</Badge>}
                  <span className="text-sm">
                    effective remaining <Money value={eff.amount} />
                    {eff.node && eff.node !== node.id ? <span className="text-slate-600 dark:text-slate-400"> (bound by {eff.node} {eff.period})</span> : null}
                  </span>
                  {node.kind === 'agent' && can.admin(session) && <FreezeButton agent={node.id} frozen={node.frozen} />}
                </div>
                <LimitBars node={node} />
              </li>
            );
          })}
        </ul>
      </Card>
    </div>
  );
}

function LimitBars({ node }: { node: BudgetNode }) {
  if (!node.limits.length) return <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">No limits of its own.</p>;
  return (
    <div className="mt-1 grid gap-x-4 gap-y-1 sm:grid-cols-2 lg:grid-cols-3">
      {node.limits.map((l) => (
        <LimitBar key={l.period} node={node.id} l={l} />
      ))}
    </div>
  );
}

function LimitBar({ node, l }: { node: string; l: LimitView }) {
  const used = fromMicros(toMicros(l.spent) + toMicros(l.held));
  return (
    <div className="text-xs">
      <div className="flex justify-between gap-2">
        <span>
          {l.period}: <Money value={l.spent} /> of <Money value={l.amount} />
          {toMicros(l.held) > 0n && (
            <>
              {' '}
              (+<Money value={l.held} /> held)
            </>
          )}
        </span>
        <span>{percent(used, l.amount)}%</span>
      </div>
      <Bar value={used} max={l.amount} label={`${node} ${l.period} utilisation`} />
    </div>
  );
}

export function FreezeButton({ agent, frozen }: { agent: string; frozen: boolean }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const m = useMutation({
    mutationFn: () => api('POST', `/v1/agents/${encodeURIComponent(agent)}/${frozen ? 'unfreeze' : 'freeze'}`, frozen ? {} : { reason }),
    onSuccess: () => {
      setOpen(false);
      setReason('');
      qc.invalidateQueries({ queryKey: ['budgets'] });
      qc.invalidateQueries({ queryKey: ['budget', agent] });
    },
  });
  return (
    <>
      <button className={frozen ? btnPlain : btnDanger} onClick={() => (frozen ? m.mutate() : setOpen(true))} disabled={m.isPending}>
        {frozen ? `Unfreeze ${agent}` : `Freeze ${agent}`}
      </button>
      {frozen && <ErrorText error={m.error} />}
      <Dialog open={open} title={`Freeze ${agent}?`} onClose={() => setOpen(false)}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            m.mutate();
          }}
          className="space-y-3"
        >
          <p className="text-sm">Its spends will be denied with agent_frozen until it is unfrozen.</p>
          <Field label="Reason">{(id) => <input id={id} className={input} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
          <ErrorText error={m.error} />
          <div className="flex justify-end gap-2">
            <button type="button" className={btnPlain} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={btnDanger}>
              Confirm
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

function NodePage({ id }: { id: string }) {
  const { session } = useApp();
  const node = useQuery({ queryKey: ['budget', id], queryFn: () => get<BudgetNode>(`/v1/budgets/${encodeURIComponent(id)}`) });
  const policy = useQuery({ queryKey: ['policy', id], queryFn: () => get<{ policy: Policy }>(`/v1/policies/${encodeURIComponent(id)}`) });
  const filter: Record<string, string> | null = node.data ? (node.data.kind === 'agent' ? { agent: id } : node.data.kind === 'team' ? { team: id } : {}) : null;
  const spends = useQuery({
    queryKey: ['node-spends', id],
    enabled: !!filter,
    queryFn: () => get<Page<SpendItem>>(`/v1/spends${qs({ ...filter, limit: 20 })}`),
  });
  const chart = useQuery({
    queryKey: ['node-chart', id],
    enabled: !!node.data,
    queryFn: () => {
      const f = node.data!.kind === 'agent' ? { agents: [id] } : node.data!.kind === 'team' ? { teams: [id] } : {};
      return query({ ...f, group_by: 'day', order_by: 'key', direction: 'asc', from: rfc3339(new Date(Date.now() - 30 * 86400_000)) });
    },
  });
  if (node.isPending) return <Loading what={`Loading ${id}`} />;
  if (node.error) return <ErrorText error={node.error} />;
  const n = node.data;
  return (
    <div className="space-y-4">
      <PageTitle sub={<a className="underline" href={href('budgets')}>← all budgets</a>}>
        {n.kind} {n.id} {n.frozen && <Badge tone="red">frozen</Badge>}
      </PageTitle>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Limits" actions={can.admin(session) ? <LimitsEditor node={n} /> : undefined}>
          <LimitBars node={n} />
          <p className="mt-3 text-sm">
            Effective remaining: <Money value={n.effective_remaining} />
            {n.binding && (
              <>
                {' '}
                (bound by {n.binding.node}'s {n.binding.period} limit)
              </>
            )}
          </p>
          {n.kind === 'agent' && can.admin(session) && (
            <div className="mt-3">
              <FreezeButton agent={n.id} frozen={n.frozen} />
            </div>
          )}
        </Card>
        <Card title="Policy" actions={<a className="text-sm underline" href={href('policies', n.id)}>Open in Policies</a>}>
          {policy.isPending ? <Loading /> : policy.error ? <ErrorText error={policy.error} /> : <pre className="overflow-x-auto text-xs">{JSON.stringify(policy.data.policy, null, 2)}</pre>}
        </Card>
      </div>
      <Card title="Spend per day, last 30 days">
        {chart.data && chart.data.rows.length ? (
          <LazyChart label={`Spend per day of ${id}`} x={chart.data.rows.map((r) => Date.parse(String(r.key) + 'T00:00:00Z') / 1000)} series={[{ label: 'spent', values: chart.data.rows.map((r) => toChartNumber(r.total ?? '0')) }]} />
        ) : chart.error ? (
          <ErrorText error={chart.error} />
        ) : (
          <p className="text-sm">No spend in the last 30 days.</p>
        )}
      </Card>
      <Card title="Latest spends and denials" actions={<a className="text-sm underline" href={href('spends', undefined, filter ?? {})}>All in Spends</a>}>
        {spends.data ? <SpendsTable items={spends.data.items} /> : spends.error ? <ErrorText error={spends.error} /> : <Loading />}
      </Card>
    </div>
  );
}

function LimitsEditor({ node }: { node: BudgetNode }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [limits, setLimits] = useState(node.limits.map((l) => ({ amount: l.amount, period: l.period as string })));
  const m = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { limits };
      if (node.kind === 'org') return api('PUT', '/v1/org', body);
      if (node.kind === 'team') return api('PUT', `/v1/teams/${encodeURIComponent(node.id)}`, node.parent && node.parent !== rootOf(qc) ? { ...body, parent: node.parent } : body);
      return api('PUT', `/v1/agents/${encodeURIComponent(node.id)}`, { ...body, team: node.parent });
    },
    onSuccess: () => {
      setOpen(false);
      qc.invalidateQueries({ queryKey: ['budgets'] });
      qc.invalidateQueries({ queryKey: ['budget', node.id] });
      qc.invalidateQueries({ queryKey: ['overview'] });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    m.mutate();
  }
  return (
    <>
      <button className={btnPlain} onClick={() => { setLimits(node.limits.map((l) => ({ amount: l.amount, period: l.period }))); setOpen(true); }}>
        Edit limits
      </button>
      <Dialog open={open} title={`Limits of ${node.id}`} onClose={() => setOpen(false)}>
        <form onSubmit={submit} className="space-y-2">
          {limits.map((l, i) => (
            <div key={i} className="flex items-end gap-2">
              <Field label={`Amount ${i + 1}`}>{(id) => <input id={id} className={input} value={l.amount} onChange={(e) => setLimits(limits.map((x, j) => (j === i ? { ...x, amount: e.target.value } : x)))} />}</Field>
              <Field label={`Period ${i + 1}`}>
                {(id) => (
                  <select id={id} className={input} value={l.period} onChange={(e) => setLimits(limits.map((x, j) => (j === i ? { ...x, period: e.target.value } : x)))}>
                    {['day', 'week', 'month', 'quarter', 'year', 'total'].map((p) => (
                      <option key={p}>{p}</option>
                    ))}
                  </select>
                )}
              </Field>
              <button type="button" className={btnPlain} onClick={() => setLimits(limits.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" className={btnPlain} onClick={() => setLimits([...limits, { amount: '', period: 'month' }])}>
            Add a limit
          </button>
          <ErrorText error={m.error} />
          <div className="flex justify-end gap-2">
            <button type="button" className={btnPlain} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={btnPrimary} disabled={m.isPending}>
              Save limits
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

function rootOf(qc: ReturnType<typeof useQueryClient>): string | undefined {
  return qc.getQueryData<BudgetNode>(['budgets'])?.id;
}

export function NodeLink({ id }: { id: string }) {
  return (
    <a className="text-sky-800 underline dark:text-sky-300" href={href('budgets', id)}>
      {id}
    </a>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, flatten, get, type Policy } from '../lib/api';
import { compare } from '../lib/money';
import { href, navigate } from '../lib/router';
import { btnPlain, btnPrimary, can, Card, ErrorText, Field, input, Loading, Money, PageTitle, useApp } from '../components/ui';
import { useBudgets } from './Budgets';

interface PolicyView {
  node: string;
  kind: string;
  policy: Policy;
}

const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
const join = (a?: string[]) => (a ?? []).join(', ');

interface Form {
  max_per_spend: string;
  approval_over: string;
  windows: { amount: string; seconds: string }[];
  vendors_allow: string;
  vendors_block: string;
  categories_allow: string;
  categories_block: string;
  velocity_max_spends: string;
  velocity_max_amount: string;
  velocity_seconds: string;
}

function toForm(p: Policy): Form {
  return {
    max_per_spend: p.max_per_spend ?? '',
    approval_over: p.approval_over ?? '',
    windows: (p.windows ?? []).map((w) => ({ amount: w.amount, seconds: String(w.seconds) })),
    vendors_allow: join(p.vendors?.allow),
    vendors_block: join(p.vendors?.block),
    categories_allow: join(p.categories?.allow),
    categories_block: join(p.categories?.block),
    velocity_max_spends: p.velocity?.max_spends !== undefined ? String(p.velocity.max_spends) : '',
    velocity_max_amount: p.velocity?.max_amount ?? '',
    velocity_seconds: p.velocity?.seconds !== undefined ? String(p.velocity.seconds) : '',
  };
}

/** Numbers typed by hand go to the API as typed (a non-number stays a string) so its validation speaks. */
function num(s: string): number | string {
  return /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : s;
}

function fromForm(f: Form): Policy {
  const p: Policy = {};
  if (f.max_per_spend.trim()) p.max_per_spend = f.max_per_spend.trim();
  if (f.approval_over.trim()) p.approval_over = f.approval_over.trim();
  if (f.windows.length) p.windows = f.windows.map((w) => ({ amount: w.amount.trim(), seconds: num(w.seconds) as number }));
  if (f.vendors_allow || f.vendors_block) p.vendors = { allow: list(f.vendors_allow), block: list(f.vendors_block) };
  if (f.categories_allow || f.categories_block) p.categories = { allow: list(f.categories_allow), block: list(f.categories_block) };
  if (f.velocity_max_spends || f.velocity_max_amount || f.velocity_seconds) {
    const v: Record<string, unknown> = { seconds: num(f.velocity_seconds) };
    if (f.velocity_max_spends) v.max_spends = num(f.velocity_max_spends);
    if (f.velocity_max_amount) v.max_amount = f.velocity_max_amount.trim();
    p.velocity = v as Policy['velocity'];
  }
  return p;
}

export interface Effective {
  max_per_spend?: { value: string; from: string };
  approval_over?: { value: string; from: string };
  windows: { amount: string; seconds: number; from: string }[];
  velocity: { max_spends?: number; max_amount?: string; seconds: number; from: string }[];
  vendors_allow: { values: string[]; from: string }[];
  vendors_block: { value: string; from: string }[];
  categories_allow: { values: string[]; from: string }[];
  categories_block: { value: string; from: string }[];
}

/** The policy a node is held to: every level's rules from the org down, the strictest value of each cap. */
export function effectivePolicy(chain: PolicyView[]): Effective {
  const e: Effective = { windows: [], velocity: [], vendors_allow: [], vendors_block: [], categories_allow: [], categories_block: [] };
  for (const { node, policy: p } of chain) {
    if (p.max_per_spend && (!e.max_per_spend || compare(p.max_per_spend, e.max_per_spend.value) < 0)) e.max_per_spend = { value: p.max_per_spend, from: node };
    if (p.approval_over && (!e.approval_over || compare(p.approval_over, e.approval_over.value) < 0)) e.approval_over = { value: p.approval_over, from: node };
    for (const w of p.windows ?? []) e.windows.push({ ...w, from: node });
    if (p.velocity) e.velocity.push({ ...p.velocity, from: node });
    if (p.vendors?.allow?.length) e.vendors_allow.push({ values: p.vendors.allow, from: node });
    for (const v of p.vendors?.block ?? []) e.vendors_block.push({ value: v, from: node });
    if (p.categories?.allow?.length) e.categories_allow.push({ values: p.categories.allow, from: node });
    for (const v of p.categories?.block ?? []) e.categories_block.push({ value: v, from: node });
  }
  return e;
}

export default function Policies({ node }: { node?: string }) {
  const budgets = useBudgets();
  if (budgets.isPending) return <Loading />;
  if (budgets.error) return <ErrorText error={budgets.error} />;
  const rows = flatten(budgets.data);
  const selected = node && rows.some((r) => r.node.id === node) ? node : budgets.data.id;
  const path = rows.find((r) => r.node.id === selected)!.path;
  return (
    <div className="space-y-4">
      <PageTitle sub="Policies inherit down the tree: the strictest applies, and a block anywhere on the path wins.">Policies</PageTitle>
      <Card>
        <Field label="Node">
          {(id) => (
            <select id={id} className={input + ' max-w-md'} value={selected} onChange={(e) => navigate(href('policies', e.target.value))}>
              {rows.map((r) => (
                <option key={r.node.id} value={r.node.id}>
                  {'\u00a0'.repeat(r.depth * 2)}
                  {r.node.id} ({r.node.kind})
                </option>
              ))}
            </select>
          )}
        </Field>
      </Card>
      <PolicyEditor key={selected} node={selected} path={path} />
    </div>
  );
}

function PolicyEditor({ node, path }: { node: string; path: string[] }) {
  const { session } = useApp();
  const qc = useQueryClient();
  const chain = useQuery({
    queryKey: ['policy', 'chain', node],
    queryFn: () => Promise.all([...path, node].map((n) => get<PolicyView>(`/v1/policies/${encodeURIComponent(n)}`))),
  });
  const own = chain.data?.[chain.data.length - 1];
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (own && !form) setForm(toForm(own.policy));
  }, [own, form]);
  const m = useMutation({
    mutationFn: (p: Policy) => api<PolicyView>('PUT', `/v1/policies/${encodeURIComponent(node)}`, p),
    onSuccess: (v) => {
      setSaved(true);
      setForm(toForm(v.policy));
      qc.invalidateQueries({ queryKey: ['policy'] });
    },
  });
  if (chain.isPending || !form) return <Loading what="Loading the policy" />;
  if (chain.error) return <ErrorText error={chain.error} />;
  const eff = effectivePolicy(chain.data);
  const admin = can.admin(session);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm({ ...form, [k]: e.target.value });
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    m.mutate(fromForm(form!));
  }
  const text = (k: keyof Form, label: string, hint?: string) => (
    <Field label={label} hint={hint}>
      {(id) => <input id={id} className={input} value={form[k] as string} onChange={set(k)} readOnly={!admin} />}
    </Field>
  );
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title={`Policy of ${node}`}>
        <form onSubmit={submit} className="space-y-3">
          {!admin && <p className="text-sm">Read-only: editing policies needs an admin key.</p>}
          <div className="grid gap-3 sm:grid-cols-2">
            {text('max_per_spend', 'Max per spend', 'a decimal amount, e.g. 5.00')}
            {text('approval_over', 'Approval over', 'spends above this wait for approval')}
          </div>
          <fieldset className="space-y-2">
            <legend className="text-sm font-semibold">Rolling windows</legend>
            {form.windows.map((w, i) => (
              <div key={i} className="flex items-end gap-2">
                <Field label={`Window ${i + 1} amount`}>{(id) => <input id={id} className={input} value={w.amount} readOnly={!admin} onChange={(e) => setForm({ ...form, windows: form.windows.map((x, j) => (j === i ? { ...x, amount: e.target.value } : x)) })} />}</Field>
                <Field label={`Window ${i + 1} seconds`}>{(id) => <input id={id} className={input} value={w.seconds} readOnly={!admin} onChange={(e) => setForm({ ...form, windows: form.windows.map((x, j) => (j === i ? { ...x, seconds: e.target.value } : x)) })} />}</Field>
                {admin && (
                  <button type="button" className={btnPlain} onClick={() => setForm({ ...form, windows: form.windows.filter((_, j) => j !== i) })}>
                    Remove window {i + 1}
                  </button>
                )}
              </div>
            ))}
            {admin && (
              <button type="button" className={btnPlain} onClick={() => setForm({ ...form, windows: [...form.windows, { amount: '', seconds: '3600' }] })}>
                Add a window
              </button>
            )}
          </fieldset>
          <div className="grid gap-3 sm:grid-cols-2">
            {text('vendors_allow', 'Vendors allowed', 'comma-separated; empty = any')}
            {text('vendors_block', 'Vendors blocked')}
            {text('categories_allow', 'Categories allowed', 'comma-separated; empty = any')}
            {text('categories_block', 'Categories blocked')}
          </div>
          <fieldset className="grid gap-3 sm:grid-cols-3">
            <legend className="text-sm font-semibold">Velocity breaker (trips → auto-freeze)</legend>
            {text('velocity_max_spends', 'Velocity max spends')}
            {text('velocity_max_amount', 'Velocity max amount')}
            {text('velocity_seconds', 'Velocity seconds')}
          </fieldset>
          <ErrorText error={m.error} />
          {saved && <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300">Saved.</p>}
          {admin && (
            <div className="flex gap-2">
              <button type="submit" className={btnPrimary} disabled={m.isPending}>
                Save policy
              </button>
              <button type="button" className={btnPlain} onClick={() => { setForm(toForm(own!.policy)); m.reset(); setSaved(false); }}>
                Reset
              </button>
            </div>
          )}
        </form>
      </Card>
      <Card title="Effective policy (inherited)">
        <EffectiveView e={eff} />
      </Card>
    </div>
  );
}

function EffectiveView({ e }: { e: Effective }) {
  const from = (n: string) => <span className="text-xs text-slate-600 dark:text-slate-400"> (from {n})</span>;
  return (
    <dl className="space-y-2 text-sm" aria-label="Effective policy">
      <div>
        <dt className="font-semibold">Max per spend</dt>
        <dd>{e.max_per_spend ? <><Money value={e.max_per_spend.value} />{from(e.max_per_spend.from)}</> : 'none'}</dd>
      </div>
      <div>
        <dt className="font-semibold">Approval over</dt>
        <dd>{e.approval_over ? <><Money value={e.approval_over.value} />{from(e.approval_over.from)}</> : 'none'}</dd>
      </div>
      <div>
        <dt className="font-semibold">Rolling windows (all apply)</dt>
        <dd>{e.windows.length ? e.windows.map((w, i) => <div key={i}><Money value={w.amount} /> per {w.seconds} s{from(w.from)}</div>) : 'none'}</dd>
      </div>
      <div>
        <dt className="font-semibold">Vendors</dt>
        <dd>
          {e.vendors_allow.map((a, i) => <div key={i}>only {a.values.join(', ')}{from(a.from)}</div>)}
          {e.vendors_block.map((b, i) => <div key={'b' + i}>blocked {b.value}{from(b.from)}</div>)}
          {!e.vendors_allow.length && !e.vendors_block.length && 'any'}
        </dd>
      </div>
      <div>
        <dt className="font-semibold">Categories</dt>
        <dd>
          {e.categories_allow.map((a, i) => <div key={i}>only {a.values.join(', ')}{from(a.from)}</div>)}
          {e.categories_block.map((b, i) => <div key={'b' + i}>blocked {b.value}{from(b.from)}</div>)}
          {!e.categories_allow.length && !e.categories_block.length && 'any'}
        </dd>
      </div>
      <div>
        <dt className="font-semibold">Velocity breakers</dt>
        <dd>
          {e.velocity.length
            ? e.velocity.map((v, i) => (
                <div key={i}>
                  {v.max_spends !== undefined && `${v.max_spends} spends`}
                  {v.max_spends !== undefined && v.max_amount && ' or '}
                  {v.max_amount && <Money value={v.max_amount} />} per {v.seconds} s{from(v.from)}
                </div>
              ))
            : 'none'}
        </dd>
      </div>
    </dl>
  );
}

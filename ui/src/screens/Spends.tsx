import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, qs, reasonText, type Entry, type Page, type SpendItem } from '../lib/api';
import { href, navigate } from '../lib/router';
import { Badge, btnPlain, btnPrimary, Card, ErrorText, Field, input, Loading, Money, PageTitle, Table, time } from '../components/ui';

const FILTERS = ['agent', 'team', 'vendor', 'category', 'status', 'user', 'session', 'from', 'to'] as const;
type Filter = Partial<Record<(typeof FILTERS)[number], string>>;

function filterFrom(params: URLSearchParams): Filter {
  const f: Filter = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** A datetime-local value ("2026-12-01T10:00") read as UTC → RFC 3339. */
function toRfc(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return /Z$|[+-]\d\d:\d\d$/.test(v) ? v : `${v.length === 16 ? v + ':00' : v}Z`;
}

/** Every filter is applied by GET /v1/spends itself, so a page, its cursor and the CSV cover exactly the filtered set. */
function apiParams(f: Filter): Record<string, string | undefined> {
  return { ...f, from: toRfc(f.from), to: toRfc(f.to) };
}

export const CSV_COLUMNS = ['id', 'status', 'created_at', 'agent', 'amount', 'vendor', 'category', 'session', 'user', 'intent', 'reason'] as const;

export function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(items: SpendItem[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const it of items) lines.push(CSV_COLUMNS.map((c) => csvCell((it as unknown as Record<string, unknown>)[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

export default function Spends({ id, params }: { id?: string; params: URLSearchParams }) {
  if (id) return <SpendDetail id={id} />;
  return <SpendsList filter={filterFrom(params)} />;
}

function SpendsList({ filter }: { filter: Filter }) {
  const [draft, setDraft] = useState<Filter>(filter);
  const [cursors, setCursors] = useState<string[]>([]); // cursors of the pages before the current one
  const [cursor, setCursor] = useState<string | undefined>();
  const [csvState, setCsvState] = useState<{ busy: boolean; error?: unknown; rows?: number }>({ busy: false });
  const key = JSON.stringify(filter);
  const q = useQuery({
    queryKey: ['spends', key, cursor],
    queryFn: () => get<Page<SpendItem>>(`/v1/spends${qs({ ...apiParams(filter), limit: 50, cursor })}`),
    placeholderData: (prev) => prev,
  });
  function apply(e: FormEvent) {
    e.preventDefault();
    setCursor(undefined);
    setCursors([]);
    const clean = Object.fromEntries(Object.entries(draft).filter(([, v]) => v)) as Record<string, string>;
    navigate(href('spends', undefined, clean), true);
  }
  async function downloadCsv() {
    setCsvState({ busy: true });
    try {
      const all: SpendItem[] = [];
      let c: string | undefined;
      for (;;) {
        const page = await get<Page<SpendItem>>(`/v1/spends${qs({ ...apiParams(filter), limit: 1000, cursor: c })}`);
        all.push(...page.items);
        if (!page.next_cursor) break;
        c = page.next_cursor;
      }
      const blob = new Blob([toCsv(all)], { type: 'text/csv;charset=utf-8' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `spends${Object.entries(filter).map(([k, v]) => `_${k}-${v}`).join('').replace(/[^a-zA-Z0-9_.-]/g, '_')}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setCsvState({ busy: false, rows: all.length });
    } catch (error) {
      setCsvState({ busy: false, error });
    }
  }
  const set = (k: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <div className="space-y-4">
      <PageTitle sub="Approved spends and recorded denials, newest first. A team filter covers its whole subtree; times are UTC.">Spends</PageTitle>
      <Card>
        <form onSubmit={apply} className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-5">
          {(['agent', 'team', 'vendor', 'category', 'user', 'session'] as const).map((k) => (
            <Field key={k} label={k[0].toUpperCase() + k.slice(1)}>{(fid) => <input id={fid} className={input} value={draft[k] ?? ''} onChange={set(k)} />}</Field>
          ))}
          <Field label="Status">
            {(fid) => (
              <select id={fid} className={input} value={draft.status ?? ''} onChange={set('status')}>
                <option value="">any</option>
                <option value="approved">approved</option>
                <option value="denied">denied</option>
              </select>
            )}
          </Field>
          <Field label="From (UTC)">{(fid) => <input id={fid} type="datetime-local" className={input} value={(draft.from ?? '').replace(/Z$/, '').slice(0, 16)} onChange={set('from')} />}</Field>
          <Field label="To (UTC)">{(fid) => <input id={fid} type="datetime-local" className={input} value={(draft.to ?? '').replace(/Z$/, '').slice(0, 16)} onChange={set('to')} />}</Field>
          <div className="col-span-2 flex flex-wrap items-end gap-2 sm:col-span-1">
            <button type="submit" className={btnPrimary}>
              Apply filters
            </button>
            <button type="button" className={btnPlain} onClick={() => { setDraft({}); setCursor(undefined); setCursors([]); navigate(href('spends'), true); }}>
              Clear
            </button>
          </div>
        </form>
      </Card>
      <Card
        title="Results"
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <button className={btnPlain} onClick={downloadCsv} disabled={csvState.busy}>
              Download CSV
            </button>
            {csvState.busy && <span className="text-sm">Preparing…</span>}
            {csvState.rows !== undefined && <span className="text-sm" role="status">{csvState.rows} rows downloaded</span>}
          </div>
        }
      >
        <ErrorText error={csvState.error} />
        {q.isPending ? <Loading /> : q.error ? <ErrorText error={q.error} /> : <SpendsTable items={q.data.items} />}
        <div className="mt-3 flex gap-2">
          <button className={btnPlain} disabled={!cursors.length} onClick={() => { const prev = [...cursors]; const c = prev.pop(); setCursors(prev); setCursor(c === '' ? undefined : c); }}>
            Previous page
          </button>
          <button className={btnPlain} disabled={!q.data?.next_cursor} onClick={() => { setCursors([...cursors, cursor ?? '']); setCursor(q.data!.next_cursor); }}>
            Next page
          </button>
        </div>
      </Card>
    </div>
  );
}

export function SpendsTable({ items }: { items: SpendItem[] }) {
  if (!items.length) return <p className="text-sm">No spends match.</p>;
  return (
    <Table label="Spends">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Agent</th>
          <th className="text-right">Amount</th>
          <th>Vendor</th>
          <th>Category</th>
          <th>Status</th>
          <th>Id</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.id}>
            <td className="whitespace-nowrap">{time(s.created_at)}</td>
            <td>{s.agent}</td>
            <td className="text-right"><Money value={s.amount} /></td>
            <td>{s.vendor}</td>
            <td>{s.category}</td>
            <td>
              {s.status === 'approved' ? <Badge tone="green">approved</Badge> : <Badge tone="red">denied</Badge>}
              {s.reason && <span className="ml-1 text-xs" title={reasonText(s.reason)}>{s.reason}</span>}
            </td>
            <td>
              <a className="font-mono text-xs text-sky-800 underline dark:text-sky-300" href={href('spends', s.id)}>
                {s.id}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function SpendDetail({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['spend', id], queryFn: () => get<SpendItem>(`/v1/spends/${encodeURIComponent(id)}`) });
  const seq = q.data?.entry?.seq;
  const entry = useQuery({
    queryKey: ['entry', seq],
    enabled: seq !== undefined,
    queryFn: async () => (await get<{ entries: Entry[] }>(`/v1/journal?after_seq=${seq! - 1}&limit=1`)).entries[0],
  });
  if (q.isPending) return <Loading what="Loading the spend" />;
  if (q.error) return <ErrorText error={q.error} />;
  const s = q.data;
  return (
    <div className="space-y-4">
      <PageTitle sub={<a className="underline" href={href('spends')}>← all spends</a>}>
        Spend {s.id} {s.status === 'approved' ? <Badge tone="green">approved</Badge> : <Badge tone="red">denied</Badge>}
      </PageTitle>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Attribution">
          <dl className="grid grid-cols-[auto,1fr] gap-x-4 gap-y-1 text-sm">
            <dt>Amount</dt>
            <dd><Money value={s.amount} /></dd>
            <dt>Agent</dt>
            <dd><a className="underline" href={href('budgets', s.agent)}>{s.agent}</a></dd>
            <dt>Session</dt>
            <dd>{s.session || '—'}</dd>
            <dt>User</dt>
            <dd>{s.user || '—'}</dd>
            <dt>Intent</dt>
            <dd>{s.intent || '—'}</dd>
            <dt>Vendor</dt>
            <dd>{s.vendor}</dd>
            <dt>Category</dt>
            <dd>{s.category}</dd>
            <dt>Time</dt>
            <dd>{time(s.created_at)}</dd>
            {s.reason && (
              <>
                <dt>Reason</dt>
                <dd>
                  {s.reason}: {reasonText(s.reason)}. {s.message}
                </dd>
              </>
            )}
          </dl>
        </Card>
        <Card title="Journal entry">
          {!s.entry ? (
            <p className="text-sm">A denial is recorded apart from the journal: it moved no money.</p>
          ) : entry.isPending ? (
            <Loading />
          ) : entry.error ? (
            <ErrorText error={entry.error} />
          ) : entry.data ? (
            <dl className="grid grid-cols-[auto,1fr] gap-x-4 gap-y-1 text-sm">
              <dt>Seq</dt>
              <dd>{entry.data.seq}</dd>
              <dt>Hash</dt>
              <dd className="break-all font-mono text-xs">{entry.data.hash}</dd>
              <dt>Prev hash</dt>
              <dd className="break-all font-mono text-xs">
                <a className="underline" href={href('audit', undefined, { seq: String(entry.data.seq - 1) })}>{entry.data.prev_hash}</a>
              </dd>
              <dt>Lines</dt>
              <dd>
                <ul>
                  {entry.data.lines.map((l, i) => (
                    <li key={i} className="flex justify-between gap-4">
                      <span className="font-mono text-xs">{l.account}</span>
                      <Money value={l.amount} />
                    </li>
                  ))}
                </ul>
              </dd>
            </dl>
          ) : null}
        </Card>
      </div>
      <Card title="Receipt">
        <pre className="max-h-96 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{s.receipt === undefined || s.receipt === null ? 'No receipt.' : JSON.stringify(s.receipt, null, 2)}</pre>
      </Card>
    </div>
  );
}

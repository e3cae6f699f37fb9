import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ApiError, api, type QueryResult } from '../lib/api';
import { toChartNumber } from '../lib/money';
import { Badge, btnPlain, btnPrimary, Card, ErrorText, Field, input, Money, PageTitle, Table } from '../components/ui';
import { LazyChart } from '../components/LazyChart';

const EXAMPLES = ['how much did each team spend last month?', 'top 5 vendors this month', 'how many spends were denied and why?', 'daily spend on LLMs over the past 7 days'];

function chips(spec: Record<string, unknown>): { group: string; text: string }[] {
  const out: { group: string; text: string }[] = [];
  const arr = (k: string) => (Array.isArray(spec[k]) ? (spec[k] as string[]) : []);
  for (const k of ['teams', 'agents', 'users', 'sessions']) for (const v of arr(k)) out.push({ group: 'who', text: `${k.slice(0, -1)}: ${v}` });
  if (!out.some((c) => c.group === 'who')) out.push({ group: 'who', text: 'whole org' });
  out.push({ group: 'what', text: `${spec.measure ?? 'total'} of ${spec.status === 'denied' ? 'denied requests' : 'spend'}` });
  for (const k of ['vendors', 'categories']) for (const v of arr(k)) out.push({ group: 'what', text: `${k === 'vendors' ? 'vendor' : 'category'}: ${v}` });
  if (spec.intent) out.push({ group: 'what', text: `intent contains “${spec.intent}”` });
  if (spec.group_by && spec.group_by !== 'none') out.push({ group: 'what', text: `by ${spec.group_by}` });
  if (spec.limit) out.push({ group: 'what', text: `top ${spec.limit}` });
  const from = spec.from as string | undefined;
  const to = spec.to as string | undefined;
  out.push({ group: 'when', text: from || to ? `${from ? from.slice(0, 10) : 'the start'} → ${to ? to.slice(0, 10) + ' (excl.)' : 'now'}` : 'all time' });
  return out;
}

export default function Ask() {
  const [question, setQuestion] = useState('');
  const m = useMutation({ mutationFn: (q: string) => api<QueryResult>('POST', '/v1/query', { question: q }) });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (question.trim()) m.mutate(question.trim());
  }
  const suggestions = m.error instanceof ApiError ? ((m.error.body as { error?: { suggestions?: string[] } })?.error?.suggestions ?? []) : [];
  const r = m.data;
  const timeGrouped = r && ['day', 'week', 'month'].includes(String(r.spec.group_by)) && r.rows.length > 1;
  const rowKeys = r?.rows.length ? Object.keys(r.rows[0]) : [];
  return (
    <div className="space-y-4">
      <PageTitle sub="Questions in plain English become a typed query; no SQL text ever runs.">Ask</PageTitle>
      <Card>
        <form onSubmit={submit} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <div className="flex-1">
            <Field label="Question">{(id) => <input id={id} className={input} value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="how much did marketing spend on data APIs last month?" />}</Field>
          </div>
          <button type="submit" className={btnPrimary} disabled={m.isPending}>
            Ask
          </button>
        </form>
        <div className="mt-2 flex flex-wrap gap-2">
          {EXAMPLES.map((q) => (
            <button key={q} className={btnPlain + ' text-xs'} onClick={() => { setQuestion(q); m.mutate(q); }}>
              {q}
            </button>
          ))}
        </div>
      </Card>
      <section aria-label="Answer" className="space-y-4">
        {m.isPending && <p className="text-sm">Thinking…</p>}
        {m.error && (
          <Card>
            <ErrorText error={m.error} />
            {suggestions.length > 0 && (
              <div className="mt-3">
                <p className="text-sm font-semibold">Try one of these:</p>
                <ul className="mt-1 flex flex-wrap gap-2">
                  {suggestions.map((s) => (
                    <li key={s}>
                      <button className={btnPlain + ' text-xs'} onClick={() => { setQuestion(s); m.mutate(s); }}>
                        {s}
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </Card>
        )}
        {r && (
          <Card>
            <p className="text-lg">{r.answer}</p>
            <ul className="mt-2 flex flex-wrap gap-2" aria-label="Interpreted question">
              {chips(r.spec).map((c, i) => (
                <li key={i}>
                  <Badge tone={c.group === 'who' ? 'blue' : c.group === 'what' ? 'amber' : 'green'}>
                    {c.group}: {c.text}
                  </Badge>
                </li>
              ))}
            </ul>
            {timeGrouped && (
              <div className="mt-4">
                <LazyChart
                  label="Answer over time"
                  x={[...r.rows].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((row) => Date.parse(String(row.key).length === 7 ? `${row.key}-01T00:00:00Z` : String(row.key).includes('W') ? `${String(row.key).slice(0, 4)}-01-01T00:00:00Z` : `${row.key}T00:00:00Z`) / 1000 + (String(row.key).includes('W') ? (Number(String(row.key).slice(6)) - 1) * 7 * 86400 : 0))}
                  series={[{ label: String(r.spec.measure ?? 'total'), values: [...r.rows].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((row) => toChartNumber(row.total ?? '0')) }]}
                />
              </div>
            )}
            {r.rows.length > 0 && (
              <div className="mt-4">
                <Table label="Result rows">
                  <thead>
                    <tr>
                      {rowKeys.map((k) => (
                        <th key={k} className={['total', 'average', 'max', 'amount', 'value'].includes(k) ? 'text-right' : ''}>
                          {k}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {r.rows.map((row, i) => (
                      <tr key={i}>
                        {rowKeys.map((k) => (
                          <td key={k} className={['total', 'average', 'max', 'amount', 'value'].includes(k) ? 'text-right' : ''}>
                            {['total', 'average', 'max', 'amount', 'value'].includes(k) && typeof row[k] === 'string' ? <Money value={row[k] as string} /> : typeof row[k] === 'object' ? JSON.stringify(row[k]) : String(row[k] ?? '')}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </Table>
                {r.truncated && <p className="mt-1 text-xs">Only the first rows are shown.</p>}
              </div>
            )}
          </Card>
        )}
      </section>
    </div>
  );
}

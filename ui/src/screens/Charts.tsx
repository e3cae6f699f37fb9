import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { flatten, get, query, qs, reasonText, type BudgetNode, type Page, type SpendItem } from '../lib/api';
import { toChartNumber } from '../lib/money';
import { rfc3339 } from '../lib/period';
import { Card, ErrorText, Field, input, Loading, PageTitle } from '../components/ui';
import { LazyChart } from '../components/LazyChart';
import { BarList } from '../components/BarList';

type Bucket = 'day' | 'week';
type Stack = 'team' | 'category';

function bucketKeys(from: Date, days: number, bucket: Bucket): string[] {
  const keys: string[] = [];
  for (let i = 0; i < days; i++) {
    const d = new Date(from.getTime() + i * 86400_000);
    keys.push(bucket === 'day' ? d.toISOString().slice(0, 10) : isoWeek(d));
  }
  return [...new Set(keys)];
}

/** "2026-W49", as the server names ISO weeks. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() - dow + 3);
  const y = t.getUTCFullYear();
  const w = 1 + Math.round((t.getTime() - Date.UTC(y, 0, 4)) / 86400_000 / 7 - ((new Date(Date.UTC(y, 0, 4)).getUTCDay() + 6) % 7) / 7 + 3 / 7);
  return `${y}-W${String(w).padStart(2, '0')}`;
}

function weekStart(key: string): number {
  const [y, w] = key.split('-W').map(Number);
  const jan4 = Date.UTC(y, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7;
  return (jan4 - dow * 86400_000 + (w - 1) * 7 * 86400_000) / 1000;
}

export default function Charts() {
  const [bucket, setBucket] = useState<Bucket>('day');
  const [stack, setStack] = useState<Stack>('team');
  const [days, setDays] = useState(30);
  const from = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - days + 1));
  const fromS = rfc3339(from);

  const series = useQuery({
    queryKey: ['chart-series', bucket, stack, fromS],
    queryFn: async () => {
      let groups: { label: string; spec: Record<string, unknown> }[];
      if (stack === 'team') {
        // One series per team, over the agents directly in it (so nested teams are not counted twice).
        const tree = await get<BudgetNode>('/v1/budgets');
        groups = flatten(tree)
          .filter((r) => r.node.kind === 'team' && r.node.children.some((c) => c.kind === 'agent'))
          .map((r) => ({ label: r.node.id, spec: { agents: r.node.children.filter((c) => c.kind === 'agent').map((c) => c.id) } }));
      } else {
        const cats = await query({ from: fromS, group_by: 'category', limit: 10 });
        groups = cats.rows.map((r) => ({ label: String(r.key), spec: { categories: [String(r.key)] } }));
      }
      const keys = bucketKeys(from, days, bucket);
      const results = await Promise.all(groups.map((g) => query({ ...g.spec, from: fromS, group_by: bucket, order_by: 'key', direction: 'asc' })));
      return {
        x: keys.map((k) => (bucket === 'day' ? Date.parse(k + 'T00:00:00Z') / 1000 : weekStart(k))),
        series: groups.map((g, i) => {
          const by = new Map(results[i].rows.map((r) => [String(r.key), r.total ?? '0']));
          return { label: g.label, values: keys.map((k) => toChartNumber(by.get(k) ?? '0')) };
        }),
      };
    },
  });
  const vendors = useQuery({ queryKey: ['chart-vendors', fromS], queryFn: () => query({ from: fromS, group_by: 'vendor', limit: 10 }) });
  const denials = useQuery({
    queryKey: ['chart-denials', bucket, fromS],
    queryFn: async () => {
      // Denials are few; read them and count by reason and day.
      const items: SpendItem[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const p = await get<Page<SpendItem>>(`/v1/spends${qs({ status: 'denied', from: fromS, limit: 1000, cursor })}`);
        items.push(...p.items);
        if (!p.next_cursor) break;
        cursor = p.next_cursor;
      }
      const keys = bucketKeys(from, days, bucket);
      const reasons = [...new Set(items.map((d) => d.reason ?? 'unknown'))];
      const counts = new Map<string, number>();
      for (const d of items) {
        const k = bucket === 'day' ? d.created_at.slice(0, 10) : isoWeek(new Date(d.created_at));
        counts.set(`${d.reason}|${k}`, (counts.get(`${d.reason}|${k}`) ?? 0) + 1);
      }
      return {
        x: keys.map((k) => (bucket === 'day' ? Date.parse(k + 'T00:00:00Z') / 1000 : weekStart(k))),
        series: reasons.map((r) => ({ label: r, values: keys.map((k) => counts.get(`${r}|${k}`) ?? 0) })),
        total: items.length,
      };
    },
  });
  return (
    <div className="space-y-4">
      <PageTitle sub="Approved spend over time, top vendors and denials by reason. UTC days, ISO weeks.">Charts</PageTitle>
      <Card>
        <div className="flex flex-wrap gap-3">
          <Field label="Bucket">
            {(id) => (
              <select id={id} className={input} value={bucket} onChange={(e) => setBucket(e.target.value as Bucket)}>
                <option value="day">by day</option>
                <option value="week">by week</option>
              </select>
            )}
          </Field>
          <Field label="Stack by">
            {(id) => (
              <select id={id} className={input} value={stack} onChange={(e) => setStack(e.target.value as Stack)}>
                <option value="team">team</option>
                <option value="category">category</option>
              </select>
            )}
          </Field>
          <Field label="Range">
            {(id) => (
              <select id={id} className={input} value={days} onChange={(e) => setDays(Number(e.target.value))}>
                <option value={7}>last 7 days</option>
                <option value={30}>last 30 days</option>
                <option value={90}>last 90 days</option>
              </select>
            )}
          </Field>
        </div>
      </Card>
      <Card title={`Spend by ${stack}, ${bucket === 'day' ? 'daily' : 'weekly'}`}>
        {series.isPending ? <Loading /> : series.error ? <ErrorText error={series.error} /> : <LazyChart label={`Spend over time stacked by ${stack}`} x={series.data.x} series={series.data.series} stacked />}
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Top vendors">
          {vendors.isPending ? <Loading /> : vendors.error ? <ErrorText error={vendors.error} /> : <BarList label="Top vendors" rows={vendors.data.rows.map((r) => ({ key: String(r.key), value: r.total ?? '0' }))} />}
        </Card>
        <Card title="Denials by reason over time">
          {denials.isPending ? (
            <Loading />
          ) : denials.error ? (
            <ErrorText error={denials.error} />
          ) : denials.data.total === 0 ? (
            <p className="text-sm">No denials in this range.</p>
          ) : (
            <>
              <LazyChart label="Denials by reason over time" x={denials.data.x} series={denials.data.series} stacked money={false} />
              <ul className="mt-2 text-xs">
                {denials.data.series.map((s) => (
                  <li key={s.label}>
                    {s.label}: {reasonText(s.label)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      </div>
    </div>
  );
}

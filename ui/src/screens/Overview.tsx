import { useQuery } from '@tanstack/react-query';
import { get, query, reasonText, type BudgetNode, type LimitView } from '../lib/api';
import { formatMoney, fromMicros, percent, toMicros } from '../lib/money';
import { perHour, periodBounds, projectFromRate, projectPeriodEnd, rfc3339 } from '../lib/period';
import { Badge, Bar, Card, ErrorText, Loading, Money, PageTitle, useApp } from '../components/ui';
import { BarList } from '../components/BarList';

const monthStart = () => rfc3339(periodBounds('month', new Date())!.start);

export const overviewQuery = {
    queryKey: ['overview'],
    queryFn: async () => {
      const now = Date.now();
      const from = monthStart();
      const [budgets, hour, day, agents, teams, vendors, denials] = await Promise.all([
        get<BudgetNode>('/v1/budgets'),
        query({ from: rfc3339(new Date(now - 3600_000)) }),
        query({ from: rfc3339(new Date(now - 86400_000)) }),
        query({ from, group_by: 'agent', limit: 5 }),
        query({ from, group_by: 'team', limit: 5 }),
        query({ from, group_by: 'vendor', limit: 5 }),
        query({ from, group_by: 'reason', status: 'denied', measure: 'count' }),
      ]);
      return { budgets, hour, day, agents, teams, vendors, denials, at: new Date(now) };
    },
};

function useOverviewData() {
  return useQuery({ ...overviewQuery, refetchInterval: 30_000 });
}

export function Overview() {
  const { killSwitch } = useApp();
  const q = useOverviewData();
  if (q.isPending) return <Loading what="Loading the overview" />;
  if (q.error) return <ErrorText error={q.error} />;
  const d = q.data;
  const root = d.budgets;
  const hourRate = d.hour.total ?? '0';
  const dayRate = perHour(d.day.total ?? '0', 86400);
  return (
    <div className="space-y-4">
      <PageTitle sub={`Current periods, UTC. Updated ${d.at.toISOString().slice(11, 19)} UTC; changes arrive live.`}>Overview of {root.name || root.id}</PageTitle>
      {killSwitch && (
        <p role="alert" className="rounded bg-red-700 p-3 font-semibold text-white">
          The kill-switch is engaged: every spend of this org is refused until an admin releases it.
        </p>
      )}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {root.limits.length === 0 && <Card title="Limits">The org has no limits.</Card>}
        {root.limits.map((l) => (
          <Gauge key={l.period} node={root.id} limit={l} dayRate={d.day.total ?? '0'} now={d.at} />
        ))}
        <Card title="Burn rate">
          <dl className="grid grid-cols-2 gap-2 text-sm">
            <dt>Last hour</dt>
            <dd className="text-right"><Money value={hourRate} /> /h</dd>
            <dt>Last 24 h</dt>
            <dd className="text-right"><Money value={dayRate} /> /h</dd>
            <dt>Spends, last 24 h</dt>
            <dd className="text-right">{d.day.count ?? 0}</dd>
          </dl>
        </Card>
      </div>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
        <Card title="Top agents this month">
          <BarList label="Top agents" rows={d.agents.rows.map((r) => ({ key: String(r.key), name: r.name as string | undefined, value: r.total ?? '0' }))} />
        </Card>
        <Card title="Top teams this month">
          <BarList label="Top teams" rows={d.teams.rows.map((r) => ({ key: String(r.key), name: r.name as string | undefined, value: r.total ?? '0' }))} />
        </Card>
        <Card title="Top vendors this month">
          <BarList label="Top vendors" rows={d.vendors.rows.map((r) => ({ key: String(r.key), value: r.total ?? '0' }))} />
        </Card>
        <Card title="Denials by reason this month">
          <BarList label="Denials by reason" count rows={d.denials.rows.map((r) => ({ key: String(r.key), value: String(r.count ?? 0), sub: reasonText(String(r.key)) }))} />
        </Card>
      </div>
    </div>
  );
}

function Gauge({ node, limit, dayRate, now }: { node: string; limit: LimitView; dayRate: string; now: Date }) {
  const { currency } = useApp();
  const used = fromMicros(toMicros(limit.spent) + toMicros(limit.held));
  const usedDec = formatMoney(used, currency);
  const pct = percent(used, limit.amount) ?? '0';
  const linear = projectPeriodEnd(limit.spent, limit.period, now);
  const fromRate = projectFromRate(limit.spent, dayRate, 86400, limit.period, now);
  const over = (p: string | null) => p !== null && toMicros(p) > toMicros(limit.amount);
  return (
    <section aria-label={`${node} ${limit.period} limit`} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-700 dark:bg-slate-900">
      <h2 className="mb-2 flex items-center justify-between text-base font-semibold">
        <span>{limit.period[0].toUpperCase() + limit.period.slice(1)} limit</span>
        <span className="text-sm font-normal">{pct}% used</span>
      </h2>
      <p className="mb-2 text-sm">
        <Money value={limit.spent} /> spent of <Money value={limit.amount} />
        <span className="sr-only"> (spent {limit.spent}, limit {limit.amount}, held {limit.held})</span>
      </p>
      <Bar value={used} max={limit.amount} label={`${limit.period} limit used`} />
      <dl className="mt-3 grid grid-cols-2 gap-1 text-sm">
        <dt>Held</dt>
        <dd className="text-right"><Money value={limit.held} /></dd>
        <dt>Remaining</dt>
        <dd className="text-right"><Money value={limit.remaining} /></dd>
        <dt>Spent + held</dt>
        <dd className="text-right">{usedDec}</dd>
        {linear !== null && (
          <>
            <dt>Projected at period end</dt>
            <dd className="text-right">
              <Money value={linear} /> {over(linear) && <Badge tone="red">over limit</Badge>}
            </dd>
            <dt>At the last 24 h's rate</dt>
            <dd className="text-right">
              <Money value={fromRate} /> {over(fromRate) && <Badge tone="red">over limit</Badge>}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

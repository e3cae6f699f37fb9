import { Money } from './ui';
import { compare, percentClamped } from '../lib/money';

/** A ranked list with proportional bars (top agents, vendors, reasons…). */
export function BarList({ rows, label, count = false }: { rows: { key: string; name?: string; value: string; sub?: string }[]; label: string; count?: boolean }) {
  if (!rows.length) return <p className="text-sm text-slate-600 dark:text-slate-300">Nothing yet in this period.</p>;
  const max = rows.reduce((m, r) => (compare(r.value, m) > 0 ? r.value : m), rows[0].value);
  return (
    <ul aria-label={label} className="space-y-2">
      {rows.map((r) => (
        <li key={r.key} className="text-sm">
          <div className="flex justify-between gap-2">
            <span className="truncate" title={r.key}>
              {r.name && r.name !== r.key ? `${r.name} (${r.key})` : r.key}
            </span>
            <span className="shrink-0">{count ? r.value : <Money value={r.value} />}</span>
          </div>
          {r.sub && <div className="text-xs text-slate-600 dark:text-slate-400">{r.sub}</div>}
          <div className="mt-1 h-1.5 rounded bg-slate-200 dark:bg-slate-700">
            <div className="h-full rounded bg-sky-600" style={{ width: `${percentClamped(r.value, max)}%` }} />
          </div>
        </li>
      ))}
    </ul>
  );
}


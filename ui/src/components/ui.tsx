import { createContext, useContext, useEffect, useId, useRef, type ReactNode } from 'react';
import { ApiError, type Session } from '../lib/api';
import { formatMoney, percentClamped } from '../lib/money';

export interface Ctx {
  session: Session;
  currency: string;
  killSwitch: boolean | undefined;
}
export const AppCtx = createContext<Ctx>(null as never);
export const useApp = () => useContext(AppCtx);
export const can = {
  admin: (s: Session) => s.role === 'admin',
  approve: (s: Session) => s.role === 'admin' || s.role === 'approver',
};

export function Money({ value, className }: { value: string | null | undefined; className?: string }) {
  const { currency } = useApp();
  if (value === null || value === undefined) return <span className={className}>unlimited</span>;
  return <span className={'tabular-nums ' + (className ?? '')}>{formatMoney(value, currency)}</span>;
}

export function Card({ title, children, className, actions }: { title?: ReactNode; children: ReactNode; className?: string; actions?: ReactNode }) {
  return (
    <section className={'rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-700 dark:bg-slate-900 ' + (className ?? '')}>
      {(title || actions) && (
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          {title && <h2 className="text-base font-semibold">{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function PageTitle({ children, sub }: { children: ReactNode; sub?: ReactNode }) {
  return (
    <div className="mb-4">
      <h1 className="text-xl font-bold">{children}</h1>
      {sub && <p className="text-sm text-slate-600 dark:text-slate-300">{sub}</p>}
    </div>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      {msg}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p className="text-sm text-slate-600 dark:text-slate-300">{what}…</p>;
}

export function Bar({ value, max, label }: { value: string; max: string; label: string }) {
  const pct = percentClamped(value, max);
  const color = pct >= 90 ? 'bg-red-600' : pct >= 70 ? 'bg-amber-500' : 'bg-emerald-600';
  return (
    <div role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-700">
      <div className={'h-full ' + color} style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Badge({ children, tone = 'slate' }: { children: ReactNode; tone?: 'slate' | 'red' | 'green' | 'amber' | 'blue' }) {
  const tones = {
    slate: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
    red: 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100',
    green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100',
    amber: 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100',
    blue: 'bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100',
  };
  return <span className={'inline-block rounded px-1.5 py-0.5 text-xs font-medium ' + tones[tone]}>{children}</span>;
}

export const btn =
  'inline-flex items-center justify-center rounded border px-3 py-1.5 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 disabled:opacity-50';
export const btnPrimary = btn + ' border-sky-700 bg-sky-700 text-white hover:bg-sky-800';
export const btnDanger = btn + ' border-red-700 bg-red-700 text-white hover:bg-red-800';
export const btnPlain = btn + ' border-slate-300 bg-white text-slate-900 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700';
export const input =
  'w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100';

export function Field({ label, children, hint }: { label: string; children: (id: string) => ReactNode; hint?: string }) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-slate-700 dark:text-slate-300">
        {label}
      </label>
      {children(id)}
      {hint && <span className="text-xs text-slate-600 dark:text-slate-400">{hint}</span>}
    </div>
  );
}

/** A modal confirmation (native <dialog>: focus trap and Escape for free). */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      className="w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-300 bg-white p-0 text-slate-900 backdrop:bg-black/50 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
    >
      {open && (
        <div className="p-4">
          <h2 id={titleId} className="mb-3 text-lg font-semibold">
            {title}
          </h2>
          {children}
        </div>
      )}
    </dialog>
  );
}

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}

export function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

export function Table({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={label}>
      <table className="w-full border-collapse text-left text-sm [&_td]:border-t [&_td]:border-slate-200 [&_td]:px-2 [&_td]:py-1.5 [&_th]:px-2 [&_th]:py-1.5 [&_th]:text-xs [&_th]:font-semibold [&_th]:uppercase [&_th]:text-slate-600 dark:[&_td]:border-slate-700 dark:[&_th]:text-slate-300">
        {children}
      </table>
    </div>
  );
}

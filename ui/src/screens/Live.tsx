import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { hub, type ConnState, type StubEvent } from '../lib/events';
import { reasonText } from '../lib/api';
import { formatMoney } from '../lib/money';
import { btnPlain, Card, Field, input, PageTitle, useApp } from '../components/ui';

const CAP = 5000; // events kept in memory; older ones fall off

// The server opens every stream with a comment at once, so `open` means the
// stream is really up (not just that a first event happened to arrive).
const CONN_WORDS: Record<ConnState, string> = {
  open: 'connected',
  connecting: 'connecting',
  closed: 'disconnected',
};

export interface LiveItem {
  key: string;
  type: string;
  status: string;
  agent: string;
  amount?: string;
  vendor: string;
  reason?: string;
  message?: string;
  at: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

const STATUS: Record<string, string> = {
  'spend.approved': 'approved',
  'spend.denied': 'denied',
  'hold.created': 'held',
  'hold.captured': 'captured',
  'hold.voided': 'voided',
  'hold.expired': 'expired',
  'approval.requested': 'pending approval',
  'agent.frozen': 'frozen',
  'agent.unfrozen': 'unfrozen',
  'kill_switch.engaged': 'kill-switch engaged',
  'kill_switch.released': 'kill-switch released',
};

export function toItem(e: StubEvent, seq: number): LiveItem {
  const d = e.data;
  const extra = (d.extra as Record<string, unknown> | undefined) ?? {};
  let status = STATUS[e.type] ?? e.type;
  if (e.type === 'approval.decided') status = str(d.new) || 'decided';
  return {
    key: `${e.id}#${seq}`,
    type: e.type,
    status,
    agent: str(d.agent) || str(d.node),
    amount: str(d.amount ?? extra.amount) || undefined,
    vendor: str(d.vendor ?? extra.vendor),
    reason: e.type === 'spend.denied' ? str(d.reason) : str(d.reason) || undefined,
    message: str(d.message),
    at: str(d.created_at) || new Date(e.receivedAt).toISOString(),
  };
}

export default function Live() {
  const { currency } = useApp();
  const [items, setItems] = useState<LiveItem[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState('');
  const [kind, setKind] = useState('all');
  const [conn, setConn] = useState<ConnState>(hub.state);
  const [rate, setRate] = useState(0);
  const buffer = useRef<LiveItem[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const dropped = useRef(0);

  // Events are buffered and flushed once per animation frame: thousands per
  // second cost one render per frame, and the list is capped.
  useEffect(() => {
    let seq = 0;
    let frame = 0;
    let count = 0;
    const flush = () => {
      frame = 0;
      if (pausedRef.current || !buffer.current.length) return;
      const batch = buffer.current.reverse();
      buffer.current = [];
      setItems((prev) => {
        const next = batch.concat(prev);
        if (next.length > CAP) {
          dropped.current += next.length - CAP;
          next.length = CAP;
        }
        return next;
      });
    };
    const off = hub.subscribe((e) => {
      count++;
      buffer.current.push(toItem(e, seq++));
      if (buffer.current.length > CAP) buffer.current.splice(0, buffer.current.length - CAP);
      if (!frame) frame = requestAnimationFrame(flush);
    });
    const offState = hub.onState(setConn);
    const timer = window.setInterval(() => {
      setRate(count);
      count = 0;
    }, 1000);
    return () => {
      off();
      offState();
      clearInterval(timer);
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);

  useEffect(() => {
    if (!paused && buffer.current.length) {
      const batch = buffer.current.reverse();
      buffer.current = [];
      setItems((prev) => batch.concat(prev).slice(0, CAP));
    }
  }, [paused]);

  const f = filter.trim().toLowerCase();
  const shown = items.filter((it) => (kind === 'all' || it.type.startsWith(kind)) && (!f || `${it.agent} ${it.vendor} ${it.status} ${it.reason ?? ''}`.toLowerCase().includes(f)));

  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => parent.current, estimateSize: () => 44, overscan: 10 });

  return (
    <div className="space-y-4">
      <PageTitle sub="Spends, denials, holds and approvals as they commit, over the event stream. It resumes after a dropped connection without gaps or repeats.">Live</PageTitle>
      <Card>
        <div className="mb-3 flex flex-wrap items-end gap-2">
          <button className={btnPlain} onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <div className="w-48">
            <Field label="Filter">{(id) => <input id={id} className={input} value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="agent, vendor, reason" />}</Field>
          </div>
          <div className="w-40">
            <Field label="Kind">
              {(id) => (
                <select id={id} className={input} value={kind} onChange={(e) => setKind(e.target.value)}>
                  <option value="all">everything</option>
                  <option value="spend.">spends and denials</option>
                  <option value="hold.">holds</option>
                  <option value="approval.">approvals</option>
                  <option value="agent.">freezes</option>
                  <option value="kill_switch.">kill-switch</option>
                </select>
              )}
            </Field>
          </div>
          <p className="text-sm" role="status">
            Stream {CONN_WORDS[conn]}. {rate} events/s. {items.length} kept{paused ? ', paused' : ''}.
          </p>
        </div>
        <div ref={parent} className="h-[60vh] overflow-auto rounded border border-slate-200 dark:border-slate-700" tabIndex={0} role="log" aria-label="Live events">
          {shown.length === 0 && <p className="p-3 text-sm text-slate-600 dark:text-slate-300">Waiting for events…</p>}
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((vi) => {
              const it = shown[vi.index];
              const tone = it.status === 'denied' ? 'text-red-700 dark:text-red-300' : it.status === 'approved' ? 'text-emerald-700 dark:text-emerald-300' : 'text-slate-800 dark:text-slate-200';
              return (
                <div key={it.key} data-index={vi.index} className="absolute left-0 right-0 flex flex-wrap items-center gap-x-3 border-b border-slate-100 px-2 py-1 text-sm dark:border-slate-800" style={{ top: 0, transform: `translateY(${vi.start}px)`, height: vi.size }}>
                  <span className="w-16 shrink-0 font-mono text-xs text-slate-600 dark:text-slate-400">{it.at.slice(11, 19)}</span>
                  <span className={'w-24 shrink-0 font-semibold ' + tone}>{it.status}</span>
                  <span className="font-medium">{it.agent}</span>
                  {it.amount && (
                    <span className="tabular-nums">
                      {formatMoney(it.amount, currency)}
                      <span className="sr-only"> ({it.amount})</span>
                    </span>
                  )}
                  <span>{it.vendor}</span>
                  {it.reason && it.type === 'spend.denied' && (
                    <span className="text-red-700 dark:text-red-300" title={it.message}>
                      {it.reason}: {reasonText(it.reason)}
                    </span>
                  )}
                  {it.reason && it.type !== 'spend.denied' && <span className="text-slate-600 dark:text-slate-400">“{it.reason}”</span>}
                </div>
              );
            })}
          </div>
        </div>
      </Card>
    </div>
  );
}

import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, ensureSentence, setCsrf, type Session } from './lib/api';
import { hub, type StubEvent } from './lib/events';
import { useOrg } from './lib/org';
import { takeSignInLink } from './lib/signin';
import { href, useRoute } from './lib/router';
import { AppCtx, btnDanger, btnPlain, btnPrimary, can, Dialog, ErrorText, Field, input, Loading, useApp as useAppSafe } from './components/ui';
import { Overview, overviewQuery } from './screens/Overview';

const Budgets = lazy(() => import('./screens/Budgets'));
const Live = lazy(() => import('./screens/Live'));
const Spends = lazy(() => import('./screens/Spends'));
const Charts = lazy(() => import('./screens/Charts'));
const Approvals = lazy(() => import('./screens/Approvals'));
const Policies = lazy(() => import('./screens/Policies'));
const Ask = lazy(() => import('./screens/Ask'));
const Audit = lazy(() => import('./screens/Audit'));
const Keys = lazy(() => import('./screens/Keys'));

// Taken once, at module load, before anything renders: React's StrictMode
// double effects cannot post the single-use token twice.
let pendingLink = takeSignInLink();
// Why the sign-in link did not work, for the sign-in page (the server's sentence).
let linkError: Error | null = null;

async function loadSession(): Promise<Session | null> {
  const link = pendingLink;
  pendingLink = null;
  if (link !== null) {
    try {
      const s = await api<Session>('POST', '/v1/session', { link });
      setCsrf(s.csrf_token);
      return s;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500 || e.status === 0) throw e;
      linkError = new Error(ensureSentence(e.serverMessage || 'This sign-in link did not work: ask for a new link or paste an API key'));
    }
  }
  try {
    const s = await api<Session>('GET', '/v1/session');
    setCsrf(s.csrf_token);
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function App() {
  const qc = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: loadSession, staleTime: Infinity, retry: 1 });
  if (session.isPending) return <Loading what="Loading Stub" />;
  if (session.error) return <main className="p-4"><ErrorText error={session.error} /></main>;
  if (!session.data) return <SignIn onSignedIn={(s) => qc.setQueryData<Session | null>(['session'], s)} />;
  return <Shell session={session.data} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(() => linkError);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    linkError = null;
    try {
      const s = await api<Session>('POST', '/v1/session', { key: key.trim() });
      setCsrf(s.csrf_token);
      setKey('');
      onSignedIn(s);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403)
        setError(new Error(`Agent keys cannot sign in to the dashboard: they can only spend as their agent (nor can the root key, which has no org). Sign in with an admin, finance or approver key.${err.serverMessage ? ` The server said: ${err.serverMessage}` : ''}`));
      else if (err instanceof ApiError && err.status === 401) setError(new Error('That key is not known (or was revoked). Check it and try again.'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="mx-auto mt-16 max-w-md p-4">
      <h1 className="mb-1 text-2xl font-bold">Stub mission control</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">Sign in with an admin, finance or approver API key. The key is exchanged for a session cookie and is not stored by the browser.</p>
      <form onSubmit={submit} className="space-y-3">
        <Field label="API key">{(id) => <input id={id} className={input + ' [-webkit-text-security:disc]'} type="text" autoComplete="off" autoCapitalize="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} required />}</Field>
        <button className={btnPrimary} type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorText error={error} />
      </form>
    </main>
  );
}

const NAV = [
  ['overview', 'Overview'],
  ['budgets', 'Budgets'],
  ['live', 'Live'],
  ['spends', 'Spends'],
  ['charts', 'Charts'],
  ['approvals', 'Approvals'],
  ['policies', 'Policies'],
  ['ask', 'Ask'],
  ['audit', 'Audit'],
  ['keys', 'Keys'],
] as const;

function Shell({ session }: { session: Session }) {
  const qc = useQueryClient();
  const org = useOrg(session);
  const route = useRoute();
  const [dark, setDark] = useState(() => document.documentElement.classList.contains('dark'));

  // The first screen's data loads alongside the org's currency, not after it.
  useEffect(() => {
    if (route.screen === 'overview') void qc.prefetchQuery(overviewQuery);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The live stream: keeps cached screens and the kill-switch state current.
  useEffect(() => {
    hub.start();
    let timer: number | undefined;
    const pending = new Set<string>();
    const flush = () => {
      timer = undefined;
      for (const k of pending) qc.invalidateQueries({ queryKey: [k] });
      pending.clear();
    };
    const mark = (...keys: string[]) => {
      keys.forEach((k) => pending.add(k));
      timer ??= window.setTimeout(flush, 1000);
    };
    const off = hub.subscribe((e: StubEvent) => {
      if (e.type === 'kill_switch.engaged' || e.type === 'kill_switch.released') {
        qc.setQueryData(['kill-switch'], e.type === 'kill_switch.engaged');
        mark('org');
      }
      if (e.type === 'max_spend.updated') mark('org');
      if (e.type.startsWith('approval.')) mark('approvals');
      if (e.type.startsWith('spend.') || e.type.startsWith('hold.')) mark('budgets', 'overview', 'approvals');
      if (e.type.startsWith('agent.') || e.type === 'limits.updated') mark('budgets');
      if (e.type === 'policy.updated') mark('policy');
    });
    return () => {
      off();
      hub.stop();
      if (timer) clearTimeout(timer);
    };
  }, [qc]);

  function toggleTheme() {
    const next = !dark;
    document.documentElement.classList.toggle('dark', next);
    localStorage.setItem('stub-theme', next ? 'dark' : 'light');
    setDark(next);
  }

  async function signOut() {
    try {
      await api('DELETE', '/v1/session');
    } finally {
      setCsrf('');
      hub.stop();
      qc.setQueryData<Session | null>(['session'], null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      window.location.hash = '';
    }
  }

  const ctx = { session, currency: org.currency, killSwitch: org.killSwitch };
  const nav = NAV.filter(([k]) => k !== 'keys' || can.admin(session));
  const screen = route.screen;
  return (
    <AppCtx.Provider value={ctx}>
      <a href="#main" className="sr-only focus:not-sr-only">Skip to content</a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-2 px-3 py-2">
          <span className="font-bold">Stub</span>
          <span className="text-sm text-slate-600 dark:text-slate-300" title={org.org.data ? `${org.org.data.name} (${org.org.data.currency})` : undefined}>
            {session.org} · {session.role}
          </span>
          <KillSwitch />
          <span className="ml-auto flex gap-2">
            <button className={btnPlain} onClick={toggleTheme} aria-pressed={dark}>
              Dark theme
            </button>
            <button className={btnPlain} onClick={signOut}>
              Sign out
            </button>
          </span>
        </div>
        <nav aria-label="Screens" className="mx-auto max-w-7xl overflow-x-auto px-3">
          <ul className="flex gap-1 text-sm">
            {nav.map(([k, label]) => (
              <li key={k}>
                <a
                  href={href(k)}
                  aria-current={screen === k ? 'page' : undefined}
                  className={'block whitespace-nowrap border-b-2 px-2 py-2 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 ' + (screen === k ? 'border-sky-700 font-semibold text-sky-800 dark:border-sky-400 dark:text-sky-300' : 'border-transparent text-slate-700 hover:text-slate-950 dark:text-slate-300 dark:hover:text-white')}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-7xl p-3 sm:p-4">
        <Suspense fallback={<Loading />}>
          {screen === 'overview' && <Overview />}
          {screen === 'budgets' && <Budgets node={route.arg} />}
          {screen === 'live' && <Live />}
          {screen === 'spends' && <Spends id={route.arg} params={route.params} />}
          {screen === 'charts' && <Charts />}
          {screen === 'approvals' && <Approvals />}
          {screen === 'policies' && <Policies node={route.arg} />}
          {screen === 'ask' && <Ask />}
          {screen === 'audit' && <Audit />}
          {screen === 'keys' && (can.admin(session) ? <Keys /> : <ErrorText error={new Error('Only admins manage keys. Ask an admin of your org.')} />)}
          {!NAV.some(([k]) => k === screen) && <ErrorText error={new Error('There is no such screen. Pick one from the navigation.')} />}
        </Suspense>
      </main>
    </AppCtx.Provider>
  );
}

function KillSwitch() {
  const { session, killSwitch } = useAppSafe();
  if (killSwitch === undefined) return <span className="text-xs" role="status" aria-label="Kill-switch state">Kill-switch state loading…</span>;
  return <KillSwitchControl session={session} killSwitch={killSwitch} />;
}

function KillSwitchControl({ session, killSwitch }: { session: Session; killSwitch: boolean }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLInputElement>(null);
  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ engaged: boolean }>('POST', '/v1/kill-switch', { engaged: !killSwitch, reason });
      qc.setQueryData(['kill-switch'], r.engaged);
      setOpen(false);
      setReason('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="flex items-center gap-2">
      <span role="status" aria-label="Kill-switch state" className={'rounded px-2 py-0.5 text-xs font-semibold ' + (killSwitch ? 'bg-red-700 text-white' : 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100')}>
        {killSwitch ? 'Kill-switch engaged: all spends refused' : 'Kill-switch off'}
      </span>
      {can.admin(session) && (
        <button className={killSwitch ? btnPlain : btnDanger} onClick={() => setOpen(true)}>
          {killSwitch ? 'Release kill-switch' : 'Engage kill-switch'}
        </button>
      )}
      <Dialog open={open} title={killSwitch ? 'Release the kill-switch?' : 'Engage the kill-switch?'} onClose={() => setOpen(false)}>
        <form onSubmit={confirm} className="space-y-3">
          <p className="text-sm">{killSwitch ? 'Spends will be decided by budgets and policies again.' : 'Every spend of the org will be denied with kill_switch until it is released.'}</p>
          <Field label="Reason">{(id) => <input id={id} ref={reasonRef} className={input} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />}</Field>
          <ErrorText error={error} />
          <div className="flex justify-end gap-2">
            <button type="button" className={btnPlain} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={killSwitch ? btnPrimary : btnDanger} disabled={busy}>
              Confirm
            </button>
          </div>
        </form>
      </Dialog>
    </span>
  );
}


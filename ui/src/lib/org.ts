// What the header and every screen need about the org: its currency and the
// kill-switch state. Taken from the session when the server sends them there,
// else from GET /v1/org, else from the journal (the last kill_switch.* config
// change), and kept current from the event stream.
import { useQuery } from '@tanstack/react-query';
import { ApiError, api, get, type Entry, type Session } from './api';
import { rfc3339 } from './period';

/** Scans the whole journal (pages of 1,000, at most `maxPages`) for config entries. */
export async function scanConfigEntries(maxPages = 50): Promise<{ entries: Entry[]; scanned: number; complete: boolean }> {
  const out: Entry[] = [];
  let after = 0;
  let scanned = 0;
  for (let i = 0; i < maxPages; i++) {
    const page = await get<{ entries: Entry[] }>(`/v1/journal?after_seq=${after}&limit=1000`);
    scanned += page.entries.length;
    for (const e of page.entries) if (e.kind === 'config') out.push(e);
    if (page.entries.length < 1000) return { entries: out, scanned, complete: true };
    after = page.entries[page.entries.length - 1].seq;
  }
  return { entries: out, scanned, complete: false };
}

interface OrgRead {
  currency?: string;
  kill_switch?: boolean;
  name?: string;
}

/** GET /v1/org where the server has it (404/405 → null). */
async function readOrg(): Promise<OrgRead | null> {
  try {
    return await get<OrgRead>('/v1/org');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

async function fetchCurrency(session: Session): Promise<string> {
  if (session.currency) return session.currency;
  const r = await api<{ currency?: string }>('POST', '/v1/query', { spec: { measure: 'count', from: rfc3339(new Date(Date.now() - 1000)) } });
  return r.currency ?? 'USD';
}

async function fetchKillSwitch(session: Session): Promise<boolean> {
  if (session.kill_switch !== undefined) return session.kill_switch;
  const org = await readOrg();
  if (org?.kill_switch !== undefined) return org.kill_switch;
  const { entries } = await scanConfigEntries();
  let on = false;
  for (const e of entries) {
    if (e.change?.action === 'kill_switch.engaged') on = true;
    if (e.change?.action === 'kill_switch.released') on = false;
  }
  return on;
}

/** The currency (needed before any amount is shown) and, apart, the kill-switch state. */
export function useOrg(session: Session) {
  const currency = useQuery({ queryKey: ['currency'], queryFn: () => fetchCurrency(session), staleTime: Infinity });
  const killSwitch = useQuery({ queryKey: ['kill-switch'], queryFn: () => fetchKillSwitch(session), staleTime: Infinity });
  return { currency, killSwitch };
}

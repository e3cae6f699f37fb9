// What the header and every screen need about the org: its currency and the
// kill-switch state. Taken from the session when the server sends them there,
// else from GET /v1/org, else from the journal (the last kill_switch.* config
// change), and kept current from the event stream.
import { useQuery } from '@tanstack/react-query';
import { ApiError, api, get, type Entry, type Session } from './api';
import { rfc3339 } from './period';

export interface OrgInfo {
  currency: string;
  killSwitch: boolean;
  name?: string;
}

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

async function fetchOrg(session: Session): Promise<OrgInfo> {
  let currency = session.currency;
  let killSwitch = session.kill_switch;
  let name: string | undefined;
  if (currency === undefined || killSwitch === undefined) {
    try {
      const org = await get<{ currency?: string; kill_switch?: boolean; name?: string }>('/v1/org');
      currency ??= org.currency;
      killSwitch ??= org.kill_switch;
      name = org.name;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
    }
  }
  if (currency === undefined) {
    const r = await api<{ currency?: string }>('POST', '/v1/query', { spec: { measure: 'count', from: rfc3339(new Date(Date.now() - 1000)) } });
    currency = r.currency ?? 'USD';
  }
  if (killSwitch === undefined) {
    const { entries } = await scanConfigEntries();
    killSwitch = false;
    for (const e of entries) {
      if (e.change?.action === 'kill_switch.engaged') killSwitch = true;
      if (e.change?.action === 'kill_switch.released') killSwitch = false;
    }
  }
  return { currency, killSwitch, name };
}

export function useOrg(session: Session) {
  return useQuery({ queryKey: ['org'], queryFn: () => fetchOrg(session), staleTime: Infinity });
}

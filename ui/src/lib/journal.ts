// The Audit screen's configuration changes: the journal's config entries.
import { get, type Entry } from './api';

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

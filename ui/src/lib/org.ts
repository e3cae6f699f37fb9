// What the header and every screen need about the org. The session answer
// (POST/GET /v1/session) carries the currency and the kill-switch state, so
// amounts render at once; GET /v1/org has the rest (name, max_spend) and is
// what the kill-switch state is re-read from. The event stream keeps the
// kill-switch current in between (App.tsx).
import { useQuery } from '@tanstack/react-query';
import { get, type Org, type Session } from './api';

/** The org (GET /v1/org) and its kill-switch state, seeded from the session. */
export function useOrg(session: Session) {
  const org = useQuery({ queryKey: ['org'], queryFn: () => get<Org>('/v1/org'), staleTime: 60_000 });
  const killSwitch = useQuery({
    queryKey: ['kill-switch'],
    queryFn: async () => (await get<Org>('/v1/org')).kill_switch,
    initialData: session.kill_switch,
    initialDataUpdatedAt: () => Date.now(),
    staleTime: 30_000,
  });
  return { org, currency: session.currency, killSwitch: killSwitch.data };
}

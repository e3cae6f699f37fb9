// `stub serve --demo` prints a single-use sign-in link, http://HOST:PORT/#signin=<token>.
// The token rides in the URL fragment, which browsers never send to a server.

/** The link token in a location hash ("#signin=<token>"), or null. */
export function signInToken(hash: string): string | null {
  const m = /(?:^#|[&?])signin=([^&]*)/.exec(hash);
  if (!m || !m[1]) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/**
 * Takes the token out of the address bar at once (history.replaceState, so it
 * stays in no history entry, bookmark or screenshot) and lands on Overview.
 */
export function takeSignInLink(loc: Location = window.location, hist: History = window.history): string | null {
  if (!/(?:^#|[&?])signin=/.test(loc.hash)) return null;
  const token = signInToken(loc.hash);
  hist.replaceState(null, '', `${loc.pathname}${loc.search}#/overview`);
  return token;
}

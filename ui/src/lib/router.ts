// Hash routing ("#/budgets/acme"): reloads and deep links work whatever the
// server does with unknown paths, and nothing secret ever sits in a URL.
import { useEffect, useState } from 'react';

export interface Route {
  screen: string;
  arg?: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path, query = ''] = h.split('?');
  const [screen = 'overview', ...rest] = path.split('/').filter(Boolean);
  return { screen: screen || 'overview', arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined, params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

export function href(screen: string, arg?: string, params?: Record<string, string>): string {
  let s = `#/${screen}`;
  if (arg) s += `/${encodeURIComponent(arg)}`;
  if (params) {
    const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
    if (q) s += `?${q}`;
  }
  return s;
}

export function navigate(to: string, replace = false) {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

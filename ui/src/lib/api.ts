// The HTTP client: same-origin fetch with the session cookie; state-changing
// requests carry the CSRF token, which lives only in this module's memory.

let csrfToken = '';
export function setCsrf(token: string) {
  csrfToken = token;
}

export type Role = 'admin' | 'finance' | 'approver' | 'agent' | 'root';
export interface Session {
  org: string;
  role: Role;
  key_id: string;
  name: string;
  csrf_token: string;
  expires_at: string;
  currency: string;
  kill_switch: boolean;
}
export interface Org {
  id: string;
  name: string;
  currency: string;
  kill_switch: boolean;
  max_spend: string;
  created_at: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    public serverMessage: string,
    public body: unknown,
  ) {
    super(sentenceFor(status, code, serverMessage));
  }
}

const REASONS: Record<string, string> = {
  budget_exceeded: 'the spend would take a budget over its limit',
  per_spend_limit: 'the amount is over the per-spend maximum of a policy',
  window_limit: 'a rolling-window cap of a policy is used up',
  vendor_blocked: 'the vendor is on a block list',
  vendor_not_allowed: 'the vendor is not on the allow list',
  category_blocked: 'the category is blocked by a policy',
  agent_frozen: 'the agent is frozen',
  kill_switch: "the org's kill-switch is engaged: every spend is refused until it is released",
  velocity_tripped: 'the velocity breaker tripped and froze the agent',
  contention: 'the budget was too busy (retries exhausted); the client may retry with the same idempotency key',
};

/** A denial reason code in words. */
export function reasonText(code: string | undefined): string {
  if (!code) return '';
  return REASONS[code] ?? code.replace(/_/g, ' ');
}

export function ensureSentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const c = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : c + '.';
}

export function sentenceFor(status: number, code: string, message: string): string {
  switch (status) {
    case 401:
      return 'You are signed out or your session expired. Sign in again with an API key.';
    case 402:
      return ensureSentence(`Denied (${code}): ${reasonText(code)}${message ? ` — ${message}` : ''}`);
    case 403:
      return ensureSentence(
        `Your key's role is not allowed to do this${message ? ` (${message})` : ''}. Ask an admin of your org for a key with the right role`,
      );
    case 404:
      return ensureSentence(message || 'Not found: it does not exist, or it belongs to another org');
    case 413:
      return 'The request is too large (over 1 MiB). Send less at once.';
    case 429:
    case 503:
      return ensureSentence(
        `The server is busy or its store is unavailable${message ? ` (${message})` : ''}. Wait a few seconds and try again; nothing was changed unless it said so`,
      );
  }
  if (status >= 500) return ensureSentence(`The server failed (${message || code}). Try again; if it persists, check the server's log`);
  // 400/409/422…: the API's own message, word for word.
  if (message) return /[.!?]$/.test(message.trim()) ? message.trim() : `${message.trim()}.`;
  return ensureSentence(code ? code.replace(/_/g, ' ') : `Request failed with status ${status}`);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', '', null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const rec = json as { reason?: string; message?: string } | null;
    if (res.status === 402 && rec?.reason) throw new ApiError(402, rec.reason, rec.message ?? '', json);
    throw new ApiError(res.status, err?.code ?? '', err?.message ?? text.slice(0, 200), json);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// ---- response shapes (see src/server/json_views.cc) ----
export interface LimitView {
  amount: string;
  period: import('./period').Period;
  spent: string;
  held: string;
  remaining: string;
}
export interface BudgetNode {
  id: string;
  kind: 'org' | 'team' | 'agent';
  name: string;
  limits: LimitView[];
  frozen: boolean;
  parent?: string;
  children: BudgetNode[];
  effective_remaining?: string | null;
  binding?: { node: string; period: string } | null;
}
export interface SpendItem {
  id: string;
  status: 'approved' | 'denied';
  agent: string;
  amount: string;
  vendor: string;
  category: string;
  session: string;
  user: string;
  intent: string;
  reason?: string;
  message?: string;
  node?: string;
  period?: string;
  created_at: string;
  entry?: { seq: number; hash: string };
  hold?: string;
  receipt?: unknown;
}
export interface Page<T> {
  items: T[];
  next_cursor?: string;
}
export interface Entry {
  seq: number;
  hash: string;
  prev_hash: string;
  created_at: string;
  kind: string;
  ref: string;
  agent: string;
  vendor: string;
  category: string;
  amount: string;
  path: string[];
  lines: { account: string; amount: string }[];
  change?: { action?: string; actor?: string; node?: string; old?: unknown; new?: unknown; reason?: string } | null;
  hold?: string;
  receipt_hash?: string;
}
export interface Approval {
  id: string;
  status: string;
  agent: string;
  amount: string;
  vendor: string;
  category: string;
  session: string;
  user: string;
  intent: string;
  node: string;
  approval_over: string;
  created_at: string;
  expires_at: string;
  decided_at?: string;
  decided_by?: string;
  spend_id?: string;
}
export interface Key {
  id: string;
  role: Role;
  name: string;
  agent?: string;
  created_at: string;
  revoked: boolean;
  revoked_at?: string;
}
export interface QueryRow {
  key?: string;
  name?: string;
  total?: string;
  count?: number;
  average?: string;
  max?: string;
  value?: string;
  [k: string]: unknown;
}
export interface QueryResult {
  answer: string;
  rows: QueryRow[];
  total?: string;
  count?: number;
  currency?: string;
  spec: Record<string, unknown>;
  truncated?: boolean;
}
export interface Policy {
  max_per_spend?: string;
  windows?: { amount: string; seconds: number }[];
  vendors?: { allow?: string[]; block?: string[] };
  categories?: { allow?: string[]; block?: string[] };
  approval_over?: string;
  velocity?: { max_spends?: number; max_amount?: string; seconds: number };
  [k: string]: unknown;
}

export function query(spec: Record<string, unknown>) {
  return api<QueryResult>('POST', '/v1/query', { spec });
}

/** Every node of a tree, depth first, with its depth and ancestors' ids (root first). */
export function flatten(root: BudgetNode): { node: BudgetNode; depth: number; path: string[] }[] {
  const out: { node: BudgetNode; depth: number; path: string[] }[] = [];
  const walk = (n: BudgetNode, depth: number, path: string[]) => {
    out.push({ node: n, depth, path });
    for (const c of n.children) walk(c, depth + 1, [...path, n.id]);
  };
  walk(root, 0, []);
  return out;
}

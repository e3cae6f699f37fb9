// What the gateway tests share: a tenant (org, team, agent with a limit, agent key, provider pointing
// at a fixture), reading holds, spends and budgets back with the admin key, a recording fetch for the
// SDKs, and a look at the event stream.
import { expect } from 'vitest';
import type { Org, StubServer, Limit } from './stub.ts';
import { micro } from './money.ts';

export const OPENAI_MODELS = {
  'gpt-test': { input: '2.50', output: '10.00', cached_input: '1.25', max_output_tokens: 1000 },
  'emb-test': { input: '0.10', output: '0' },
};
export const ANTHROPIC_MODELS = {
  'claude-test': { input: '3.00', output: '15.00', cached_input: '0.30', max_output_tokens: 1000 },
};

export interface Tenant {
  org: Org;
  agent: string;
  agentKey: string;
  provider: string;
}

/** A fresh org with team `t1`, agent `a1` (limit `limit` a month), its key, and the provider. */
export async function tenant(
  stub: StubServer,
  kind: 'openai' | 'anthropic',
  upstream: { url: string; key: string },
  opts: { limit?: string; provider?: string } = {},
): Promise<Tenant> {
  const org = await stub.newOrg();
  const limits: Limit[] = [{ amount: opts.limit ?? '1.00', period: 'month' }];
  await org.putTeam('t1');
  await org.putAgent('a1', 't1', limits);
  const agentKey = await org.agentKey('a1');
  const provider = opts.provider ?? (kind === 'openai' ? 'oa' : 'an');
  const put = await org.putProvider(provider, {
    kind,
    base_url: upstream.url,
    api_key: upstream.key,
    models: kind === 'openai' ? OPENAI_MODELS : ANTHROPIC_MODELS,
    default_category: 'llm',
  });
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT /v1/providers/${provider} → ${put.status} ${put.text}`);
  return { org, agent: 'a1', agentKey, provider };
}

// The gateway holds an upper estimate of the prompt's tokens before it forwards, and a capture may
// not exceed its hold: so every prompt is at least as long as the input usage the fixtures report
// for it (at most 1,350 tokens). 3,000 words ≈ 3,000 tokens by any tokenizer (18 KB).
export const PROMPT = 'hello '.repeat(3000);

/** The error a call rejects with (fails the test if it resolves). */
export async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('the call succeeded; an error was expected');
}

export function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}

/** The hold, once it is no longer `held` (streams capture when they end); fails after `ms`. */
export async function settledHold(org: Org, id: string, ms = 5000): Promise<any> {
  const until = Date.now() + ms;
  for (;;) {
    const h = await org.ok('GET', `/v1/holds/${id}`);
    if (h.status !== 'held') return h;
    if (Date.now() > until) throw new Error(`hold ${id} still held after ${ms} ms: ${JSON.stringify(h)}`);
    await sleep(50);
  }
}

export async function spend(org: Org, id: string): Promise<any> {
  return org.ok('GET', `/v1/spends/${id}`);
}

/** The agent's limit line (the only one) of GET /v1/budgets/{agent}. */
export async function agentLimit(org: Org, agent: string): Promise<{ spent: bigint; held: bigint; raw: any }> {
  const b = await org.ok('GET', `/v1/budgets/${agent}`);
  expect(b.limits).toHaveLength(1);
  return { spent: micro(b.limits[0].spent), held: micro(b.limits[0].held), raw: b.limits[0] };
}

/** Asserts the captured hold, its spend and the budget, from the contract; returns the spend. */
export async function expectCaptured(
  t: Tenant,
  holdId: string,
  amount: bigint,
  receipt: Record<string, unknown>,
): Promise<any> {
  const h = await settledHold(t.org, holdId);
  expect(h.status).toBe('captured');
  expect(micro(h.captured)).toBe(amount);
  expect(typeof h.spend_id).toBe('string');
  const s = await spend(t.org, h.spend_id);
  expect(s.status).toBe('approved');
  expect(micro(s.amount)).toBe(amount);
  expect(s.agent).toBe(t.agent);
  expect(s.vendor).toBe('127.0.0.1');
  expect(s.category).toBe('llm');
  expect(s.receipt).toMatchObject(receipt);
  const l = await agentLimit(t.org, t.agent);
  expect(l.held).toBe(0n); // the rest of the hold was voided
  expect(l.spent).toBe(amount);
  return s;
}

export async function expectNothingHeldOrSpent(t: Tenant) {
  const l = await agentLimit(t.org, t.agent);
  expect(l.raw.held).toBe('0');
  expect(l.raw.spent).toBe('0');
}

/** Prices as micro-units, whatever decimal spelling the server chose. */
export function pricesMicro(p: Record<string, string>) {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, micro(v)]));
}

/**
 * A fetch for the SDKs' `fetch` option (a documented client option; the SDKs stay unmodified) that
 * keeps every response's status, headers and full body text, for the "no secret leaks" checks.
 */
export function recordingFetch() {
  const seen: Array<Promise<string>> = [];
  const f: typeof fetch = async (input, init) => {
    const r = await fetch(input, init);
    const copy = r.clone();
    const headers = [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    seen.push(copy.text().then((body) => `${r.status}\n${headers}\n\n${body}`, (e) => `${r.status}\n${headers}\n\n<body: ${e}>`));
    return r;
  };
  return { fetch: f, all: async () => (await Promise.all(seen)).join('\n----\n') };
}

/** Reads GET /v1/events (SSE) until `stop()` resolves; returns what arrived. */
export function readEvents(stub: StubServer, key: string) {
  const ac = new AbortController();
  let text = '';
  let status = 0;
  const connected = fetch(`${stub.url}/v1/events`, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' }, signal: ac.signal });
  const reading = connected
    .then(async (r) => {
      status = r.status;
      const dec = new TextDecoder();
      for await (const c of r.body as any as AsyncIterable<Uint8Array>) text += dec.decode(c, { stream: true });
    })
    .catch(() => undefined);
  return {
    connected: connected.then(() => undefined, () => undefined),
    async stop(afterMs = 300) {
      await sleep(afterMs);
      ac.abort();
      await reading;
      return { status, text };
    },
  };
}

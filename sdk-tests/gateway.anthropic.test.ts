// Issue 21 acceptance, Anthropic side: the official `@anthropic-ai/sdk`, unmodified, with an agent
// key and the base URL `${stub}/llm/{provider}` (the SDK posts to /v1/messages under it), through a
// real `stub serve` to the local Anthropic fixture. Note: this SDK version sends its apiKey as
// `Authorization: Bearer …` (not x-api-key) with anthropic-version 2026-10-21.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { gate } from './fixtures/common.ts';
import { startAnthropicUpstream, type AnthropicUpstream } from './fixtures/anthropic_upstream.ts';
import { startStub, type StubServer } from './harness/stub.ts';
import { decimal, llmCostMicro, micro } from './harness/money.ts';
import {
  ANTHROPIC_MODELS, agentLimit, expectCaptured, expectNothingHeldOrSpent, pricesMicro, readEvents,
  PROMPT, recordingFetch, settledHold, sleep, spend, tenant, thrown, type Tenant,
} from './harness/gateway.ts';

let up: AnthropicUpstream;
let stub: StubServer;
beforeAll(async () => {
  up = await startAnthropicUpstream();
  stub = await startStub();
});
afterAll(async () => {
  await stub?.stop();
  await up?.close();
});
beforeEach(() => up.reset());

const CLAUDE = ANTHROPIC_MODELS['claude-test'];

function client(t: Tenant, opts: Partial<NonNullable<ConstructorParameters<typeof Anthropic>[0]>> = {}) {
  return new Anthropic({ apiKey: t.agentKey, baseURL: `${stub.url}/llm/${t.provider}`, maxRetries: 0, ...opts });
}
async function setup(limit?: string) {
  return tenant(stub, 'anthropic', up, { limit });
}
const msg = (max_tokens = 100) => ({ model: 'claude-test', max_tokens, messages: [{ role: 'user' as const, content: PROMPT }] });

function expectUpstreamAuth() {
  // The provider key, however the gateway sends it, and the version header.
  const h = up.last!.headers;
  expect(h['x-api-key'] === up.key || h['authorization'] === `Bearer ${up.key}`).toBe(true);
  expect(h['anthropic-version']).toBeTruthy();
}

describe('messages', () => {
  test('non-stream: captures exactly the usage price, cache reads at the cached price', async () => {
    const t = await setup();
    // uncached = input 300 + cache creation 50; cached = cache read 1000:
    // (350 × 3.00 + 1000 × 0.30 + 120 × 15.00) / 1M = 0.00315
    up.next({ usage: { input_tokens: 300, output_tokens: 120, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 } });
    const { data, response } = await client(t).messages.create(msg()).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from the fixture.' }]);
    expect(data.usage).toMatchObject({ input_tokens: 300, output_tokens: 120, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 });
    expect(up.count).toBe(1);
    expect(up.last!.path).toBe('/v1/messages');
    expectUpstreamAuth();
    const holdId = response.headers.get('stub-hold-id');
    const spendId = response.headers.get('stub-spend-id');
    expect(holdId).toBeTruthy();
    expect(spendId).toBeTruthy();
    expect(llmCostMicro(CLAUDE, { uncached: 350, cached: 1000, output: 120 })).toBe(3150n);
    expect(response.headers.get('stub-amount')).toBe('0.00315');
    const s = await expectCaptured(t, holdId!, 3150n, {
      provider: 'an', model: 'claude-test', input_tokens: 350, cached_tokens: 1000, output_tokens: 120,
      upstream_request_id: up.requestIds[0], stream: false, usage_known: true,
    });
    expect(s.id).toBe(spendId);
    expect(s.receipt.endpoint).toContain('messages');
    expect(pricesMicro(s.receipt.prices)).toEqual({ input: micro(CLAUDE.input), output: micro(CLAUDE.output), cached_input: micro(CLAUDE.cached_input) });
    expect(s.receipt).not.toHaveProperty('client_disconnected');
  });

  test('non-stream: rounded up once to the micro-unit ((7×3.00 + 3×0.30 + 1×15.00)/1M = 0.0000369 → 0.000037)', async () => {
    const t = await setup();
    up.next({ usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 } });
    const { response } = await client(t).messages.create(msg()).withResponse();
    const want = llmCostMicro(CLAUDE, { uncached: 7, cached: 3, output: 1 });
    expect(want).toBe(37n);
    expect(response.headers.get('stub-amount')).toBe(decimal(want));
    await expectCaptured(t, response.headers.get('stub-hold-id')!, want, { input_tokens: 7, cached_tokens: 3, output_tokens: 1 });
  });

  test('attribution headers become the spend\'s session, user and intent', async () => {
    const t = await setup();
    const c = client(t, { defaultHeaders: { 'Stub-Session': 'sess-7', 'Stub-User': 'bob@acme.com' } });
    const { response } = await c.messages.create(msg(), { headers: { 'Stub-Intent': 'triage' } }).withResponse();
    const s = await spend(t.org, response.headers.get('stub-spend-id')!);
    expect(s).toMatchObject({ session: 'sess-7', user: 'bob@acme.com', intent: 'triage' });
  });

  test('stream: captured at the end from message_start input and message_delta output (cumulative)', async () => {
    const t = await setup();
    // (200 × 3.00 + 80 × 15.00) / 1M = 0.0018 (message_start's output_tokens: 1 is not added)
    up.next({ usage: { input_tokens: 200, output_tokens: 80 } });
    const { data: stream, response } = await client(t).messages.create({ ...msg(), stream: true }).withResponse();
    const holdId = response.headers.get('stub-hold-id');
    expect(holdId).toBeTruthy();
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types).toEqual([
      'message_start', 'content_block_start',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(up.count).toBe(1);
    expect(up.last!.body.stream).toBe(true);
    expectUpstreamAuth();
    await expectCaptured(t, holdId!, 1800n, {
      provider: 'an', model: 'claude-test', input_tokens: 200, output_tokens: 80, cached_tokens: 0,
      upstream_request_id: up.requestIds[0], stream: true, usage_known: true,
    });
  });

  test('the SDK stream helper works through the gateway', async () => {
    const t = await setup();
    up.next({ usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 2 } });
    const final = await client(t).messages.stream(msg()).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello from the fixture.' });
    expect(final.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 2 });
  });

  test('stream arrives incrementally: the first delta reaches the client before the fixture sends the last', async () => {
    const t = await setup();
    const g = gate();
    up.next({ pause: g.promise });
    const stream = await client(t).messages.create({ ...msg(), stream: true });
    const it = stream[Symbol.asyncIterator]();
    let ev = await it.next();
    while (!ev.done && ev.value.type !== 'content_block_delta') ev = await it.next();
    expect(ev.done).toBe(false);
    expect(up.lastStream!.finalSent).toBe(false);
    g.open();
    while (!(await it.next()).done);
    expect(up.lastStream!.finalSent).toBe(true);
    expect(up.lastStream!.pauseTimedOut).toBe(false);
  });

  test('a client that disconnects mid-stream is still captured', async () => {
    const t = await setup();
    const g = gate();
    up.next({ pause: g.promise, usage: { input_tokens: 200, output_tokens: 80 } });
    const { data: stream, response } = await client(t).messages.create({ ...msg(), stream: true }).withResponse();
    const holdId = response.headers.get('stub-hold-id')!;
    expect(holdId).toBeTruthy();
    for await (const ev of stream) if (ev.type === 'content_block_delta') break; // disconnect after the first text
    const until = Date.now() + 2000;
    while (Date.now() < until && !up.lastStream!.closedEarly && (await t.org.ok('GET', `/v1/holds/${holdId}`)).status === 'held') await sleep(50);
    g.open();
    const h = await settledHold(t.org, holdId);
    expect(h.status).toBe('captured');
    const s = await spend(t.org, h.spend_id);
    expect(s.receipt.client_disconnected).toBe(true);
    expect(s.receipt.stream).toBe(true);
    if (s.receipt.usage_known) {
      // From the usage known so far: message_start's input (and its output count, or the final one).
      expect(s.receipt.input_tokens).toBe(200);
      expect([1, 80]).toContain(s.receipt.output_tokens);
      const want = llmCostMicro(CLAUDE, { uncached: s.receipt.input_tokens, cached: s.receipt.cached_tokens, output: s.receipt.output_tokens });
      expect(micro(h.captured)).toBe(want);
    } else {
      expect(s.receipt.usage_known).toBe(false);
      expect(micro(h.captured)).toBe(micro(h.amount)); // the whole hold
    }
    expect((await agentLimit(t.org, t.agent)).held).toBe(0n);
  });
});

describe('denials and failures', () => {
  function expectDenied(e: any, reason: string) {
    expect(e).toBeInstanceOf(Anthropic.APIError);
    expect(e.status).toBe(402);
    expect(e.error).toMatchObject({ type: 'error', error: { type: reason } });
    expect(typeof e.error.error.message).toBe('string');
    expect(e.type).toBe(reason);
    expect(e.headers.get('stub-reason')).toBe(reason);
  }

  test('over budget: 402 budget_exceeded from the SDK, and no request reaches the upstream', async () => {
    // 0.001 a month; max_tokens 1000 × 15.00 / 1M = 0.015 alone is over it
    const t = await setup('0.001');
    expectDenied(await thrown(client(t).messages.create(msg(1000))), 'budget_exceeded');
    expectDenied(await thrown(client(t).messages.create({ ...msg(1000), stream: true })), 'budget_exceeded');
    expect(up.count).toBe(0);
    await expectNothingHeldOrSpent(t);
  });

  test('upstream 500: the SDK gets InternalServerError and the hold is voided', async () => {
    const t = await setup();
    up.next({ status: 500 });
    const e = await thrown(client(t).messages.create(msg()));
    expect(e).toBeInstanceOf(Anthropic.InternalServerError);
    expect(e.status).toBe(500);
    expect(up.count).toBe(1);
    expect((await settledHold(t.org, e.headers.get('stub-hold-id'))).status).toBe('voided');
    up.next({ status: 500 });
    const e2 = await thrown(client(t).messages.create({ ...msg(), stream: true }));
    expect(e2.status).toBe(500);
    expect((await settledHold(t.org, e2.headers.get('stub-hold-id'))).status).toBe('voided');
    await expectNothingHeldOrSpent(t);
  });

  test('idempotent retry: a completed call is not sent or charged twice; a failed one goes through again', async () => {
    const t = await setup();
    const c = client(t);
    const key = { headers: { 'Idempotency-Key': 'idem-1' } };
    const { response } = await c.messages.create(msg(), key).withResponse();
    const spendId = response.headers.get('stub-spend-id');
    expect(spendId).toBeTruthy();
    // default usage: 100 in, 50 out → (100 × 3.00 + 50 × 15.00) / 1M = 0.00105
    expect(response.headers.get('stub-amount')).toBe('0.00105');
    const e = await thrown(c.messages.create(msg(), key));
    expect(e).toBeInstanceOf(Anthropic.APIError);
    expect(e.status).toBe(409);
    expect(e.error.error.type).toBe('idempotent_replay');
    expect(e.headers.get('stub-spend-id')).toBe(spendId);
    expect(up.count).toBe(1);
    expect((await agentLimit(t.org, t.agent)).spent).toBe(1050n);

    const retry = { headers: { 'Idempotency-Key': 'idem-2' } };
    up.next({ status: 500 });
    expect((await thrown(c.messages.create(msg(), retry))).status).toBe(500);
    const second = await c.messages.create(msg(), retry).withResponse();
    expect(second.response.status).toBe(200);
    expect(up.count).toBe(3);
    expect((await agentLimit(t.org, t.agent)).spent).toBe(2100n);
  });

  test('vendor block list: 402 vendor_blocked, the upstream untouched', async () => {
    const t = await setup();
    await t.org.putPolicy(t.org.id, { vendors: { block: ['127.0.0.1'] } });
    expectDenied(await thrown(client(t).messages.create(msg())), 'vendor_blocked');
    expectDenied(await thrown(client(t).messages.create({ ...msg(), stream: true })), 'vendor_blocked');
    expect(up.count).toBe(0);
    await expectNothingHeldOrSpent(t);
  });

  test('unknown model: 400 invalid_request; unknown provider: 404; neither reaches the upstream', async () => {
    const t = await setup();
    const e = await thrown(client(t).messages.create({ ...msg(), model: 'claude-unpriced' }));
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect(e.status).toBe(400);
    expect(e.error.error.type).toBe('invalid_request');
    const e2 = await thrown(client({ ...t, provider: 'nope' }).messages.create(msg()));
    expect(e2).toBeInstanceOf(Anthropic.NotFoundError);
    expect(e2.status).toBe(404);
    expect(up.count).toBe(0);
  });

  test('the x-api-key header form is accepted from agents too', async () => {
    const t = await setup();
    const c = new Anthropic({ apiKey: null, authToken: null, baseURL: `${stub.url}/llm/${t.provider}`, maxRetries: 0, defaultHeaders: { 'x-api-key': t.agentKey } });
    const { response } = await c.messages.create(msg()).withResponse();
    expect(response.status).toBe(200);
    expect(up.count).toBe(1);
    expectUpstreamAuth();
  });
});

describe('secrets', () => {
  test('the provider key appears in no response, header, event, journal entry or log line', async () => {
    const t = await setup('0.10');
    const events = readEvents(stub, t.org.adminKey);
    await events.connected;
    const rec = recordingFetch();
    const c = client(t, { fetch: rec.fetch });
    await c.messages.create(msg());
    for await (const _ of await c.messages.create({ ...msg(), stream: true }));
    up.next({ status: 500 });
    await thrown(c.messages.create(msg()));
    await thrown(c.messages.create({ ...msg(), model: 'claude-unpriced' }));
    // over budget (8000 × 15.00 / 1M = 0.12 > 0.1); the SDK refuses a non-stream max_tokens
    // of 100,000 itself ("streaming is required"), before any request
    await thrown(c.messages.create(msg(8000)));
    const { status, text: eventText } = await events.stop(500);
    expect(status).toBe(200);
    expect(eventText).toMatch(/hold\.captured|spend\.approved/);
    const responses = await rec.all();
    expect(responses).toContain('stub-hold-id');
    const providers = await t.org.api('GET', '/v1/providers');
    expect(providers.status).toBe(200);
    const journal = await t.org.api('GET', '/v1/journal?limit=1000');
    expect(journal.status).toBe(200);
    for (const [where, text] of [['SDK responses', responses], ['events', eventText], ['providers', providers.text], ['journal', journal.text], ['server output', stub.output()]] as const) {
      expect(text.includes(up.key), `provider key in ${where}`).toBe(false);
      expect(text.includes(up.key.slice(8)), `provider key (without sk-test-) in ${where}`).toBe(false);
    }
    for (const r of up.requests) expect(JSON.stringify(r.headers).includes(t.agentKey)).toBe(false);
    expect(stub.output().includes(stub.secretKey)).toBe(false);
  });
});

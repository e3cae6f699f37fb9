// x402 over MCP through Stub (coinbase/x402 specs/transports-v2/mcp.md). A real `stub serve`, started
// with a local signer (`--signer ops=KEYFILE`, chmod 600) and `--allow-private-fetch` (the fixtures
// listen on 127.0.0.1), acts as the MCP client of a paid MCP server on an agent's behalf through
// POST /v1/x402/mcp/call, and through its own MCP tool `pay_and_call_tool`:
//   - fixtures/x402_mcp_server.ts: the official @modelcontextprotocol/sdk Server on Streamable HTTP
//     (stateful sessions, SSE answers; a second one stateless with JSON answers) and @x402/core's
//     x402ResourceServer with @x402/evm's exact scheme, settling through x402_facilitator.ts, which
//     checks every EIP-3009 signature with viem and answers a fake transaction hash. Its tools signal
//     PaymentRequired in each form the spec lets a client meet (structuredContent, the x402/error
//     wrapper, content[0].text only, a JSON-RPC 402 error), or break (settle failing, malformed
//     requirements, the connection dropped after settlement).
// Each case asserts the exact outcome: Stub's answer, what the facilitator verified and settled, how
// many tools/call requests (paid or not) reached the MCP server, and the books (hold, spend, receipt,
// budget) read back with the admin key. Money is compared as integer micro-units. The shapes mirror
// POST /v1/x402/fetch (x402.test.ts): same reason codes and statuses, same receipt under "x402" plus
// "transport": "mcp" and "tool".
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fakeTransactionHash, startFacilitator, type X402Facilitator } from './fixtures/x402_facilitator.ts';
import { startMcpResource, x402ErrorText, type PaidTool, type X402McpResource } from './fixtures/x402_mcp_server.ts';
import { type ApiAnswer, type StubServer } from './harness/stub.ts';
import { agentLimit } from './harness/gateway.ts';
import {
  ACCEPT,
  OTHER_ASSET,
  OTHER_FORM_TOOLS,
  PAYER,
  PAYER_KEY,
  PAY_TO,
  WALLET,
  answerLog,
  expectBooked,
  expectDenialRecorded,
  expectNoMoneyMoved,
  expectPaidAtFacilitator,
  now,
  paymentRequired,
  settlement,
  spends,
  startPayingStub,
  walletTenant,
  x402Receipt,
  type Tenant,
  type TenantOptions,
} from './harness/x402.ts';

// ---- the tools ---------------------------------------------------------------------------------
const REPORT = { report: 'the paid content' };
const TOOLS: PaidTool[] = [
  {
    name: 'paid_report',
    price: '10000',
    payTo: PAY_TO,
    description: 'A paid report',
    result: (args) => ({ content: [{ type: 'text', text: JSON.stringify(REPORT) }], structuredContent: { ...REPORT, arguments: args } }),
  },
  ...OTHER_FORM_TOOLS,
];

// ---- the servers ---------------------------------------------------------------------------------
let fac: X402Facilitator;
/** Stateful sessions, SSE answers (the SDK's defaults). */
let mcp: X402McpResource;
/** Stateless, plain JSON answers. */
let mcpJson: X402McpResource;
let stub: StubServer;
let keyDir = '';
/** A port nothing listens on. */
let deadUrl = '';
const clients: Client[] = [];

beforeAll(async () => {
  fac = await startFacilitator();
  mcp = await startMcpResource({ facilitatorUrl: fac.url, tools: TOOLS });
  mcpJson = await startMcpResource({ facilitatorUrl: fac.url, tools: TOOLS, jsonResponse: true, stateless: true });
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/mcp`;
  await new Promise<void>((r) => dead.close(() => r()));

  ({ stub, keyDir } = await startPayingStub('stub-x402-mcp-key-'));
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await stub?.stop();
  await mcp?.close();
  await mcpJson?.close();
  await fac?.close();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});
beforeEach(() => {
  fac.reset();
  mcp.reset();
  mcpJson.reset();
});

// ---- helpers -------------------------------------------------------------------------------------
/** Every answer Stub gave in this file, for the "no key leaks" check. */
const { answers, record } = answerLog();

/** A fresh tenant (see walletTenant) on this file's server. */
const tenant = (opts: TenantOptions = {}) => walletTenant(stub, record, opts);

const key = () => `mcp-${randomUUID()}`;

/** POST /v1/x402/mcp/call with the agent's key (a fresh idempotency key unless given). */
async function mcpCall(t: Tenant, body: Record<string, unknown>): Promise<ApiAnswer> {
  return record(await stub.api(t.agentKey, 'POST', '/v1/x402/mcp/call', { idempotency_key: key(), ...body }));
}

const zero = { calls: 0, withPayment: 0, verified: 0, settled: 0, served: 0 };

/**
 * Asserts the facilitator saw exactly `endpoints`, each with the wallet's valid signature of one
 * authorization for exactly 10000 to PAY_TO, and the v2 PaymentPayload Stub put in
 * `_meta["x402/payment"]` for `tool`. Returns the authorization.
 */
function expectFacilitatorPaid(tool: string, endpoints: Array<'verify' | 'settle'>, description = `Tool: ${tool}`) {
  return expectPaidAtFacilitator(fac, 2, ACCEPT, endpoints, (c, auth) => {
    expect(c.paymentPayload).toEqual({
      x402Version: 2,
      resource: { url: `mcp://tool/${tool}`, description, mimeType: 'application/json' },
      accepted: ACCEPT,
      payload: { authorization: auth, signature: c.signature },
    });
  });
}

/** The receipt's x402 part for a payment of `tool` at `server`, before the outcome fields. */
function expectedPayment(server: X402McpResource, tool: string, auth: { nonce: string; validAfter: string; validBefore: string }, description = `Tool: ${tool}`) {
  return { ...x402Receipt(2, auth, { resource: `mcp://tool/${tool}`, url: server.url, description }), transport: 'mcp', tool };
}

/** A paid answer of a fixture tool whose result is the default {paid, tool, arguments}: asserted and booked. */
async function expectPaidDefault(t: Tenant, r: ApiAnswer, server: X402McpResource, tool: string, args: Record<string, unknown>) {
  expect(r.status).toBe(200);
  expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'hold_id', 'payment', 'result', 'spend_id']);
  expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01' });
  const auth = expectFacilitatorPaid(tool, ['verify', 'settle']);
  const s = { paid: true, tool, arguments: args };
  expect(r.body.result).toEqual({ content: [{ type: 'text', text: JSON.stringify(s) }], structuredContent: s, _meta: { 'x402/payment-response': settlement(auth.nonce) } });
  const payment = { ...expectedPayment(server, tool, auth), settled: true, transaction: fakeTransactionHash(84532, PAYER, auth.nonce) };
  expect(r.body.payment).toEqual(payment);
  expect(server.count(tool)).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
  await expectBooked(t, r.body, payment);
}

// ---- paying ----------------------------------------------------------------------------------------
describe('paid tool calls', () => {
  test('the spec form: the result arrives; the facilitator verified and settled the wallet\'s signature for exactly 10000; booked 0.01 with a complete receipt', async () => {
    const t = await tenant();
    const before = await agentLimit(t.org, 'a1');
    const t0 = now();
    const r = await mcpCall(t, {
      url: mcp.url,
      tool: 'paid_report',
      arguments: { topic: 'q3', depth: 2 },
      headers: { 'x-api-key': 'k-123' },
      max_amount: '0.01',
      session: 'sess-1',
      user: 'alice@acme.com',
      intent: 'weekly report',
    });
    const t1 = now();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'hold_id', 'payment', 'result', 'spend_id']);
    expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01' });

    const auth = expectFacilitatorPaid('paid_report', ['verify', 'settle'], 'A paid report');
    // Valid from 10 minutes ago to the requirement's maxTimeoutSeconds (300) from now.
    expect(Number(auth.validAfter)).toBeGreaterThanOrEqual(t0 - 600);
    expect(Number(auth.validAfter)).toBeLessThanOrEqual(t1 - 600);
    expect(Number(auth.validBefore)).toBeGreaterThanOrEqual(t0 + 300);
    expect(Number(auth.validBefore)).toBeLessThanOrEqual(t1 + 300);
    expect(auth.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    const tx = fakeTransactionHash(84532, PAYER, auth.nonce);
    expect(fac.settles[0].response).toEqual({ success: true, transaction: tx, network: 'eip155:84532', payer: PAYER });

    // The CallToolResult of the paid retry, as the server sent it.
    expect(r.body.result).toEqual({
      content: [{ type: 'text', text: JSON.stringify(REPORT) }],
      structuredContent: { ...REPORT, arguments: { topic: 'q3', depth: 2 } },
      _meta: { 'x402/payment-response': settlement(auth.nonce) },
    });

    // What the MCP server saw: the unpaid call and the paid retry, both with the arguments, the agent's
    // header and a session the server issued (the fixture refuses a call without one); the retry's
    // payment is what was settled.
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
    expect(mcp.initializes).toBeGreaterThanOrEqual(1);
    const calls = mcp.callsOf('paid_report');
    expect(calls.map((c) => c.arguments)).toEqual([{ topic: 'q3', depth: 2 }, { topic: 'q3', depth: 2 }]);
    expect(calls[0].payment).toBeUndefined();
    expect(calls[1].payment).toEqual(fac.settles[0].paymentPayload);
    for (const c of calls) {
      expect(c.headers['x-api-key']).toBe('k-123');
      expect(c.headers.accept).toContain('application/json');
      expect(c.headers.accept).toContain('text/event-stream');
      expect(c.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    }

    const payment = { ...expectedPayment(mcp, 'paid_report', auth, 'A paid report'), settled: true, transaction: tx };
    expect(r.body.payment).toEqual(payment);
    const s = await expectBooked(t, r.body, payment);
    expect(s).toMatchObject({ session: 'sess-1', user: 'alice@acme.com', intent: 'weekly report' });
    const after = await agentLimit(t.org, 'a1');
    expect(after.spent - before.spent).toBe(10_000n);
  });

  test('a stateless server answering plain JSON (no Mcp-Session-Id): paid the same way', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcpJson.url, tool: 'paid_text', arguments: { n: 1 } });
    await expectPaidDefault(t, r, mcpJson, 'paid_text', { n: 1 });
    expect(mcpJson.callsOf('paid_text').map((c) => c.sessionId)).toEqual([undefined, undefined]);
  });

  test('a free tool: 200 decision free, the result exactly as the server sent it, nothing held, no facilitator call', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcp.url, tool: 'echo', arguments: { say: 'hi' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ decision: 'free', result: { content: [{ type: 'text', text: '{"say":"hi"}' }], structuredContent: { echo: { say: 'hi' } } } });
    expect(mcp.count('echo')).toEqual({ calls: 1, withPayment: 0, verified: 0, settled: 0, served: 1 });
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
    expect(await spends(t)).toEqual([]);
  });

  test('a free tool\'s own error (isError, no PaymentRequired) is free too; no arguments is {}', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcp.url, tool: 'fails' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ decision: 'free', result: { content: [{ type: 'text', text: 'the tool failed' }], isError: true } });
    expect(mcp.callsOf('fails').map((c) => c.arguments ?? {})).toEqual([{}]);
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });

  test('an unknown tool: 200 decision free with the server\'s JSON-RPC error in mcp_error, nothing held', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcp.url, tool: 'nope', arguments: {} });
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe('free');
    expect(r.body.mcp_error.code).toBe(-32602);
    expect(r.body.mcp_error.message).toContain('Unknown tool: nope');
    expect(r.body).not.toHaveProperty('hold_id');
    expect(r.body).not.toHaveProperty('payment');
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });
});

describe('the other places a PaymentRequired may be', () => {
  test('only in content[0].text (the x402/error wrapper): paid', async () => {
    const t = await tenant();
    await expectPaidDefault(t, await mcpCall(t, { url: mcp.url, tool: 'paid_text', arguments: { n: 1 } }), mcp, 'paid_text', { n: 1 });
  });

  test('in structuredContent["x402/error"].data: paid', async () => {
    const t = await tenant();
    await expectPaidDefault(t, await mcpCall(t, { url: mcp.url, tool: 'paid_wrapped', arguments: { n: 2 } }), mcp, 'paid_wrapped', { n: 2 });
  });

  test('as a JSON-RPC error with code 402 and the PaymentRequired as data: paid', async () => {
    const t = await tenant();
    await expectPaidDefault(t, await mcpCall(t, { url: mcp.url, tool: 'paid_rpc', arguments: { n: 3 } }), mcp, 'paid_rpc', { n: 3 });
    expect(mcp.callsOf('paid_rpc')[0].error).toMatchObject({ code: 402, data: paymentRequired('paid_rpc') });
  });

  test('a PaymentRequired Stub cannot read ({x402Version: 2, accepts: "nope"}): 502 x402_invalid_requirements, nothing held', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_malformed', arguments: {} });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('x402_invalid_requirements');
    expect(r.body).not.toHaveProperty('hold_id');
    expect(mcp.count('paid_malformed')).toEqual({ ...zero, calls: 1 });
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
    expect(await spends(t)).toEqual([]);
  });
});

// ---- what Stub will not pay -------------------------------------------------------------------------
describe('denials: 402, nothing signed, nothing held', () => {
  /** The refusal's shape, and that the server saw only the unpaid call and the facilitator nothing. */
  async function expectRefused(t: Tenant, r: ApiAnswer, code: string) {
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
    expect(r.body).not.toHaveProperty('hold_id');
    expect(r.body).not.toHaveProperty('payment');
    expect(fac.calls).toEqual([]);
    expect(mcp.count('paid_report')).toEqual({ ...zero, calls: 1 });
    await expectNoMoneyMoved(t);
  }

  test('the requirement is over max_amount: x402_over_max_amount', async () => {
    const t = await tenant();
    await expectRefused(t, await mcpCall(t, { url: mcp.url, tool: 'paid_report', max_amount: '0.009999' }), 'x402_over_max_amount');
    expect(await spends(t)).toEqual([]);
  });

  test('the budget cannot hold 0.01: budget_exceeded, with the binding limit', async () => {
    const t = await tenant({ limit: '0.009999' });
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_report' });
    await expectRefused(t, r, 'budget_exceeded');
    expect(r.body.decision).toBe('denied');
    expect(r.body.outcome).toMatchObject({ status: 'denied', reason: 'budget_exceeded', amount: '0.01', node: 'a1', period: 'month' });
    await expectDenialRecorded(t, r, 'budget_exceeded');
  });

  test('the vendor (the MCP server\'s host) is blocked by policy: vendor_blocked', async () => {
    const t = await tenant();
    await t.org.putPolicy(t.org.id, { vendors: { block: ['127.0.0.1'] } });
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_report' });
    await expectRefused(t, r, 'vendor_blocked');
    expect(r.body.decision).toBe('denied');
    expect(r.body.outcome).toMatchObject({ status: 'denied', reason: 'vendor_blocked', amount: '0.01', node: t.org.id });
    await expectDenialRecorded(t, r, 'vendor_blocked');
  });

  test('a network the wallet does not allow: x402_network_not_allowed', async () => {
    const t = await tenant({ wallet: { ...WALLET, networks: ['eip155:8453'] } });
    await expectRefused(t, await mcpCall(t, { url: mcp.url, tool: 'paid_report' }), 'x402_network_not_allowed');
    expect(await spends(t)).toEqual([]);
  });

  test('an asset the wallet has no rate for: x402_asset_not_allowed', async () => {
    const t = await tenant({ wallet: { ...WALLET, assets: { [OTHER_ASSET]: { decimals: 6, rate: '1' } } } });
    await expectRefused(t, await mcpCall(t, { url: mcp.url, tool: 'paid_report' }), 'x402_asset_not_allowed');
    expect(await spends(t)).toEqual([]);
  });
});

// ---- concurrency and idempotency ---------------------------------------------------------------------
describe('concurrency and idempotency', () => {
  test('20 concurrent paid calls against a budget that fits exactly 7: 7 paid, 13 budget_exceeded, 7 settles, 0.07 used', async () => {
    const t = await tenant({ limit: '0.07' });
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => mcpCall(t, { url: mcp.url, tool: 'paid_report', arguments: { i } })));
    const paid = rs.filter((r) => r.status === 200);
    const denied = rs.filter((r) => r.status !== 200);
    expect(paid).toHaveLength(7);
    expect(denied).toHaveLength(13);
    for (const r of paid) expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01', payment: { settled: true, transport: 'mcp', tool: 'paid_report' } });
    for (const r of denied) {
      expect(r.status).toBe(402);
      expect(r.body).toMatchObject({ decision: 'denied', error: { code: 'budget_exceeded' } });
    }
    expect(fac.verifies).toHaveLength(7);
    expect(fac.settles).toHaveLength(7);
    expect(fac.calls.every((c) => c.signatureValid && c.recoveredPayer === PAYER && c.response.isValid !== false && c.response.success !== false)).toBe(true);
    // Seven distinct payments, each booked once; each paid answer carries its own settlement.
    const nonces = new Set(fac.settles.map((c) => c.authorization!.nonce));
    expect(nonces.size).toBe(7);
    expect(new Set(paid.map((r) => r.body.payment.nonce))).toEqual(nonces);
    for (const r of paid) {
      expect(r.body.result._meta['x402/payment-response']).toEqual(settlement(r.body.payment.nonce));
      expect(r.body.payment.transaction).toBe(fakeTransactionHash(84532, PAYER, r.body.payment.nonce));
    }
    expect(mcp.count('paid_report')).toEqual({ calls: 27, withPayment: 7, verified: 7, settled: 7, served: 7 });
    const approved = await spends(t, '&status=approved');
    expect(approved).toHaveLength(7);
    expect(await spends(t, '&status=denied')).toHaveLength(13);
    expect(new Set(approved.map((s) => s.id))).toEqual(new Set(paid.map((r) => r.body.spend_id)));
    const l = await agentLimit(t.org, 'a1');
    expect(l.spent).toBe(70_000n);
    expect(l.held).toBe(0n);
  });

  test('the same call retried with its idempotency key is not paid twice: 409 idempotent_replay naming the spend', async () => {
    const t = await tenant();
    const k = key();
    const first = await mcpCall(t, { url: mcp.url, tool: 'paid_report', arguments: { topic: 'q3' }, idempotency_key: k });
    expect(first.status).toBe(200);
    expect(first.body.decision).toBe('paid');
    const again = await mcpCall(t, { url: mcp.url, tool: 'paid_report', arguments: { topic: 'q3' }, idempotency_key: k });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('idempotent_replay');
    expect(again.body.error.message).toContain(first.body.spend_id);
    expect(fac.verifies).toHaveLength(1);
    expect(fac.settles).toHaveLength(1);
    // As the paying fetch does: the retry asked the tool again (unpaid) and paid nothing.
    expect(mcp.count('paid_report')).toEqual({ calls: 3, withPayment: 1, verified: 1, settled: 1, served: 1 });
    expect((await spends(t)).map((s) => s.id)).toEqual([first.body.spend_id]);
    expect((await agentLimit(t.org, 'a1')).spent).toBe(10_000n);
  });
});

// ---- failures ------------------------------------------------------------------------------------
describe('failure paths', () => {
  test('settlement fails: 200 decision not_paid with the server\'s isError result, the hold voided, nothing spent; a retry with the same key then pays', async () => {
    const t = await tenant();
    fac.failSettle = true;
    const k = key();
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_report', idempotency_key: k });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'hold_id', 'payment', 'result']);
    expect(r.body).toMatchObject({ decision: 'not_paid', amount: '0.01' });
    const auth = expectFacilitatorPaid('paid_report', ['verify', 'settle'], 'A paid report');
    const data = {
      ...paymentRequired('paid_report', 'Payment settlement failed: invalid_exact_evm_transaction_failed', 'A paid report'),
      'x402/payment-response': { success: false, errorReason: 'invalid_exact_evm_transaction_failed', transaction: '', network: 'eip155:84532', payer: PAYER },
    };
    expect(r.body.result.isError).toBe(true);
    expect(r.body.result.structuredContent).toEqual(data);
    expect(JSON.parse(r.body.result.content[0].text)).toEqual({ 'x402/error': { code: 402, message: 'Payment settlement failed', data } });
    expect(r.body.payment).toEqual({ ...expectedPayment(mcp, 'paid_report', auth, 'A paid report'), settled: false, refused: 'invalid_exact_evm_transaction_failed' });
    const h = await t.org.ok('GET', `/v1/holds/${r.body.hold_id}`);
    expect(h.status).toBe('voided');
    expect(h).not.toHaveProperty('spend_id');
    await expectNoMoneyMoved(t);

    // The failed attempt charged nothing, so the same key may pay now.
    fac.reset();
    const retry = await mcpCall(t, { url: mcp.url, tool: 'paid_report', idempotency_key: k });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ decision: 'paid', payment: { settled: true } });
    expect(retry.body.hold_id).not.toBe(r.body.hold_id);
    expect(fac.settles).toHaveLength(1);
    expect((await agentLimit(t.org, 'a1')).spent).toBe(10_000n);
  });

  test('the payment is rejected (the facilitator says invalid): 200 decision not_paid, refused with the reason, the hold voided', async () => {
    const t = await tenant();
    fac.failVerify = true;
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_report' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'hold_id', 'payment', 'result']);
    expect(r.body).toMatchObject({ decision: 'not_paid', amount: '0.01' });
    const pr = paymentRequired('paid_report', 'invalid_exact_evm_insufficient_balance', 'A paid report');
    expect(r.body.result).toEqual({ isError: true, structuredContent: pr, content: [{ type: 'text', text: x402ErrorText('Payment invalid', pr) }] });
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
    const auth = fac.verifies[0].authorization!;
    expect(r.body.payment).toEqual({ ...expectedPayment(mcp, 'paid_report', auth, 'A paid report'), settled: false, refused: 'invalid_exact_evm_insufficient_balance' });
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 0, settled: 0, served: 0 });
    expect((await t.org.ok('GET', `/v1/holds/${r.body.hold_id}`)).status).toBe('voided');
    await expectNoMoneyMoved(t);
  });

  // Once a signed payment has been sent, money may have moved: a server that drops the paid call
  // before answering is booked in full, flagged unsettled, and the payment went exactly once.
  test('the server dies after settlement: 502 upstream_no_answer, decision paid, booked 0.01 unsettled; the payment sent once', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_die', arguments: {} });
    expect(r.status).toBe(502);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'error', 'hold_id', 'payment', 'spend_id']);
    expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01', error: { code: 'upstream_no_answer' } });
    const auth = expectFacilitatorPaid('paid_die', ['verify', 'settle']);
    expect(fac.settles[0].response.success).toBe(true);
    expect(mcp.count('paid_die')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
    const payment = { ...expectedPayment(mcp, 'paid_die', auth), settled: false, unsettled_reason: 'no answer to the paid request' };
    expect(r.body.payment).toEqual(payment);
    await expectBooked(t, r.body, payment);
  });

  test('the MCP server cannot be reached: 502 upstream_unavailable, nothing held', async () => {
    const t = await tenant();
    const r = await mcpCall(t, { url: deadUrl, tool: 'paid_report' });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('upstream_unavailable');
    expect(r.body).not.toHaveProperty('hold_id');
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
    expect(await spends(t)).toEqual([]);
  });

  test('a server that does not speak MCP (HTML to initialize): 502 mcp_protocol_error, nothing held', async () => {
    const t = await tenant();
    let seen = 0;
    const html = createServer((_req, res) => {
      seen++;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>not MCP</body></html>');
    });
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await mcpCall(t, { url: `http://127.0.0.1:${(html.address() as AddressInfo).port}/mcp`, tool: 'paid_report' });
      expect(r.status).toBe(502);
      expect(r.body.error.code).toBe('mcp_protocol_error');
      expect(r.body).not.toHaveProperty('hold_id');
      expect(seen).toBeGreaterThanOrEqual(1);
    } finally {
      await new Promise<void>((r) => html.close(() => r()));
    }
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });

  test('an org with no wallet: 409 x402_no_wallet, before any request leaves Stub', async () => {
    const t = await tenant({ wallet: null });
    const r = await mcpCall(t, { url: mcp.url, tool: 'paid_report' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('x402_no_wallet');
    expect(mcp.requests).toBe(0);
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });

  test('bad bodies: 400 invalid_request, nothing reaches the MCP server', async () => {
    const t = await tenant();
    const good = { url: mcp.url, tool: 'paid_report', idempotency_key: key() };
    const bad: Array<[string, Record<string, unknown>]> = [
      ['no tool', { url: mcp.url, idempotency_key: key() }],
      ['empty tool', { ...good, tool: '' }],
      ['tool not a string', { ...good, tool: 7 }],
      ['no url', { tool: 'paid_report', idempotency_key: key() }],
      ['arguments an array', { ...good, arguments: [1, 2] }],
      ['arguments a string', { ...good, arguments: '{"a":1}' }],
      ['headers not an object', { ...good, headers: 'x-api-key: 1' }],
      ['a header value not a string', { ...good, headers: { 'x-api-key': 1 } }],
      ['max_amount a number', { ...good, max_amount: 0.01 }],
      ['an unknown field', { ...good, method: 'POST' }],
    ];
    for (const [why, body] of bad) {
      const r = record(await stub.api(t.agentKey, 'POST', '/v1/x402/mcp/call', body));
      expect(r.status, why).toBe(400);
      expect(r.body.error.code, why).toMatch(/^invalid_(request|amount)$/);
    }
    const noKey = record(await stub.api(t.agentKey, 'POST', '/v1/x402/mcp/call', { url: mcp.url, tool: 'paid_report' }));
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe('invalid_request');
    expect(mcp.requests).toBe(0);
    await expectNoMoneyMoved(t);
  });

  test('calls are made with an agent key: the admin key gets 403', async () => {
    const t = await tenant();
    const r = record(await stub.api(t.org.adminKey, 'POST', '/v1/x402/mcp/call', { url: mcp.url, tool: 'paid_report', idempotency_key: key() }));
    expect(r.status).toBe(403);
    expect(mcp.requests).toBe(0);
  });
});

// ---- Stub's own MCP tool --------------------------------------------------------------------------
describe('pay_and_call_tool (Stub\'s MCP server, official MCP client)', () => {
  async function connect(agentKey: string): Promise<Client> {
    const client = new Client({ name: 'stub-sdk-tests', version: '0.1.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(stub.url + '/mcp'), { requestInit: { headers: { Authorization: 'Bearer ' + agentKey } } }));
    clients.push(client);
    return client;
  }

  test('listed after pay_and_fetch, with url and tool required', async () => {
    const t = await tenant();
    const c = await connect(t.agentKey);
    const { tools } = await c.listTools();
    const names = tools.map((x) => x.name);
    expect(names).toHaveLength(10);
    expect(names.indexOf('pay_and_call_tool')).toBe(names.indexOf('pay_and_fetch') + 1);
    const tool = tools.find((x) => x.name === 'pay_and_call_tool')!;
    expect(tool.inputSchema.type).toBe('object');
    expect(tool.inputSchema.required).toEqual(['url', 'tool']);
    for (const p of ['url', 'tool', 'arguments', 'headers', 'max_amount', 'session', 'user', 'intent', 'idempotency_key']) {
      expect(tool.inputSchema.properties, p).toHaveProperty(p);
    }
  });

  test('a paid call through the tool: structuredContent is the endpoint\'s answer, booked 0.01', async () => {
    const t = await tenant();
    const c = await connect(t.agentKey);
    const r: any = await c.callTool({ name: 'pay_and_call_tool', arguments: { url: mcp.url, tool: 'paid_report', arguments: { topic: 'q3' }, max_amount: '0.01', idempotency_key: key() } });
    expect(r.isError).toBeFalsy();
    expect(r.content).toHaveLength(1);
    expect(r.content[0].type).toBe('text');
    const a = r.structuredContent;
    expect(a).toMatchObject({ decision: 'paid', amount: '0.01' });
    const auth = expectFacilitatorPaid('paid_report', ['verify', 'settle'], 'A paid report');
    expect(a.result).toEqual({
      content: [{ type: 'text', text: JSON.stringify(REPORT) }],
      structuredContent: { ...REPORT, arguments: { topic: 'q3' } },
      _meta: { 'x402/payment-response': settlement(auth.nonce) },
    });
    const payment = { ...expectedPayment(mcp, 'paid_report', auth, 'A paid report'), settled: true, transaction: fakeTransactionHash(84532, PAYER, auth.nonce) };
    expect(a.payment).toEqual(payment);
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
    await expectBooked(t, a, payment);
  });

  test('a denial through the tool is a tool error naming the reason; nothing signed', async () => {
    const t = await tenant({ limit: '0.009999' });
    const c = await connect(t.agentKey);
    const r: any = await c.callTool({ name: 'pay_and_call_tool', arguments: { url: mcp.url, tool: 'paid_report', idempotency_key: key() } });
    expect(r.isError).toBe(true);
    expect(r.structuredContent.reason).toBe('budget_exceeded');
    expect(r.content[0].text.startsWith('budget_exceeded: ')).toBe(true);
    expect(fac.calls).toEqual([]);
    expect(mcp.count('paid_report')).toEqual({ ...zero, calls: 1 });
    await expectNoMoneyMoved(t);
  });
});

// ---- secrets --------------------------------------------------------------------------------------
test('the private key is in no answer and not in the server\'s output', () => {
  expect(answers.length).toBeGreaterThan(30);
  const hex = PAYER_KEY.slice(2).toLowerCase();
  for (const a of answers) expect(a.toLowerCase().includes(hex)).toBe(false);
  expect(stub.output().toLowerCase().includes(hex)).toBe(false);
});

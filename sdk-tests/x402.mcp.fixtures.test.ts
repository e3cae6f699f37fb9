// The paid MCP server fixture (fixtures/x402_mcp_server.ts) against the official CLIENTS, with no Stub
// in between, so that Stub's MCP payer (POST /v1/x402/mcp/call) can later be tested against the very
// same fixture:
//   - MCP: @modelcontextprotocol/sdk's Client over StreamableHTTPClientTransport, unmodified;
//   - x402: @x402/core's x402Client with @x402/evm's exact client scheme (a viem privateKeyToAccount
//     signer) builds the PaymentPayload from the PaymentRequired the tool answered, and the test
//     retries tools/call with it in `_meta["x402/payment"]`, as coinbase/x402's
//     specs/transports-v2/mcp.md says a client does;
//   - the fixture verifies and settles through x402_facilitator.ts, which checks every EIP-3009
//     signature with viem and answers a fake transaction hash.
// Every test asserts exact outcomes: the PaymentRequired in each of its wire forms, what the
// facilitator received, the settlement in `_meta["x402/payment-response"]`, each failure as the client
// sees it, and the raw HTTP (sessions, SSE vs JSON answers). A network guard fails the file if any
// socket of this process leaves the loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { x402Client } from '@x402/core/client';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { startFacilitator, type X402Facilitator } from './fixtures/x402_facilitator.ts';
import {
  PAYMENT_REQUIRED_ERROR,
  startMcpResource,
  x402ErrorText,
  type PaidTool,
  type X402McpResource,
} from './fixtures/x402_mcp_server.ts';
import { ACCEPT, OTHER_FORM_TOOLS, PAYER_KEY, PAY_TO, loopbackGuard, paymentRequired, settlement } from './harness/x402.ts';

// ---- network guard -------------------------------------------------------------------------------
const guard = loopbackGuard();

// ---- the payer, the payee, the tools -------------------------------------------------------------
const account = privateKeyToAccount(PAYER_KEY);
const PAYER = account.address;

const TOOLS: PaidTool[] = [
  { name: 'paid_report', price: '10000', payTo: PAY_TO, description: 'A paid report', result: () => ({ content: [{ type: 'text', text: 'the paid content' }], structuredContent: { report: 'the paid content' } }) },
  { name: 'paid_dollar', price: '$0.01', payTo: PAY_TO },
  ...OTHER_FORM_TOOLS,
  { name: 'paid_die_early', price: '10000', payTo: PAY_TO, behavior: 'die-before-settle' },
];

const payer = new x402Client();
registerExactEvmScheme(payer, { signer: account });

let fac: X402Facilitator;
let mcp: X402McpResource;
let mcpJson: X402McpResource;
const clients: Client[] = [];

beforeAll(async () => {
  fac = await startFacilitator();
  mcp = await startMcpResource({ facilitatorUrl: fac.url, tools: TOOLS });
  mcpJson = await startMcpResource({ facilitatorUrl: fac.url, tools: TOOLS, jsonResponse: true, stateless: true });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await mcp?.close();
  await mcpJson?.close();
  await fac?.close();
  guard.stop();
});
beforeEach(() => {
  fac.reset();
  mcp.reset();
  mcpJson.reset();
});

async function connect(url = mcp.url): Promise<Client> {
  const client = new Client({ name: 'x402-mcp-fixture-test', version: '0.1.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

/** Asserts one verify and one settle of a valid signature by the account for 10000 to PAY_TO; returns the authorization. */
function expectPaidOnce(tool: string, description?: string) {
  expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
  const auth = fac.calls[0].authorization!;
  for (const c of fac.calls) {
    expect(c).toMatchObject({ x402Version: 2, network: 'eip155:84532', chainId: 84532, amount: '10000', claimedPayer: PAYER, recoveredPayer: PAYER, signatureValid: true });
    expect(c.paymentRequirements).toEqual(ACCEPT);
    expect(c.paymentPayload).toEqual({
      x402Version: 2,
      resource: paymentRequired(tool, undefined, description).resource,
      accepted: ACCEPT,
      payload: { authorization: auth, signature: c.signature },
    });
  }
  expect(auth).toMatchObject({ from: PAYER, to: PAY_TO, value: '10000' });
  return auth;
}

describe('tools and free calls', () => {
  test('listTools names every paid tool and the free ones', async () => {
    const c = await connect();
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual([...TOOLS.map((t) => t.name), 'echo', 'fails']);
    expect(mcp.initializes).toBe(1);
  });

  test('echo: a free tool answers its arguments, no facilitator call', async () => {
    const c = await connect();
    const r = await c.callTool({ name: 'echo', arguments: { say: 'hi' } });
    expect(r).toEqual({ content: [{ type: 'text', text: '{"say":"hi"}' }], structuredContent: { echo: { say: 'hi' } } });
    expect(mcp.count('echo')).toEqual({ calls: 1, withPayment: 0, verified: 0, settled: 0, served: 1 });
    expect(fac.calls).toEqual([]);
  });

  test('fails: a free tool error with no PaymentRequired; an unknown tool is JSON-RPC error -32602', async () => {
    const c = await connect();
    expect(await c.callTool({ name: 'fails', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'the tool failed' }], isError: true });
    const err = await c.callTool({ name: 'nope', arguments: {} }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain('Unknown tool: nope');
    expect(mcp.calls.map((x) => x.tool)).toEqual(['fails', 'nope']);
  });
});

describe('paid tool, the spec form (structuredContent + content[0].text)', () => {
  test('no payment: isError, structuredContent is the PaymentRequired, content[0].text its x402/error wrapper', async () => {
    const c = await connect();
    const r: any = await c.callTool({ name: 'paid_report', arguments: { topic: 'q3' } });
    const pr = paymentRequired('paid_report', PAYMENT_REQUIRED_ERROR, 'A paid report');
    expect(r).toEqual({ isError: true, structuredContent: pr, content: [{ type: 'text', text: x402ErrorText('Payment required', pr) }] });
    expect(JSON.parse(r.content[0].text)).toEqual({ 'x402/error': { code: 402, message: 'Payment required', data: pr } });
    expect(mcp.count('paid_report')).toEqual({ calls: 1, withPayment: 0, verified: 0, settled: 0, served: 0 });
    expect(fac.calls).toEqual([]);
  });

  test('a "$0.01" price becomes amount 10000 of Base Sepolia USDC', async () => {
    const c = await connect();
    const r: any = await c.callTool({ name: 'paid_dollar', arguments: {} });
    expect(r.structuredContent.accepts).toEqual([ACCEPT]);
  });

  test('paid: the official x402Client pays the PaymentRequired; the result carries _meta["x402/payment-response"]; one verify + settle', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_report', arguments: { topic: 'q3' } });
    const payload = await payer.createPaymentPayload(first.structuredContent);
    const r: any = await c.callTool({ name: 'paid_report', arguments: { topic: 'q3' }, _meta: { 'x402/payment': payload } });
    const auth = expectPaidOnce('paid_report', 'A paid report');
    expect(r).toEqual({
      content: [{ type: 'text', text: 'the paid content' }],
      structuredContent: { report: 'the paid content' },
      _meta: { 'x402/payment-response': settlement(auth.nonce) },
    });
    expect(fac.settles[0].response).toEqual(settlement(auth.nonce));
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
    const calls = mcp.callsOf('paid_report');
    expect(calls[1].payment).toEqual(payload);
    expect(calls.map((x) => x.arguments)).toEqual([{ topic: 'q3' }, { topic: 'q3' }]);
    // One session, announced in Mcp-Session-Id and sent back on every call.
    expect(mcp.initializes).toBe(1);
    expect(calls[0].sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[1].sessionId).toBe(calls[0].sessionId);
    expect(calls[0].headers['mcp-session-id']).toBe(calls[0].sessionId);
    expect(calls[0].headers.accept).toContain('text/event-stream');

    // The same payment again: the facilitator refuses the spent nonce at verify, and the tool
    // answers a PaymentRequired whose error says so; it does not run.
    fac.calls.length = 0;
    const again: any = await c.callTool({ name: 'paid_report', arguments: { topic: 'q3' }, _meta: { 'x402/payment': payload } });
    expect(again.isError).toBe(true);
    expect(again.structuredContent).toEqual(paymentRequired('paid_report', 'invalid_exact_evm_nonce_already_used', 'A paid report'));
    expect(fac.calls.map((x) => x.endpoint)).toEqual(['verify']);
    expect(mcp.count('paid_report')).toEqual({ calls: 3, withPayment: 2, verified: 1, settled: 1, served: 1 });
  });

  test('the facilitator says invalid: PaymentRequired with error = the invalidReason, the tool does not run, nothing settled', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_report', arguments: {} });
    fac.failVerify = true;
    const r: any = await c.callTool({ name: 'paid_report', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent) } });
    const pr = paymentRequired('paid_report', 'invalid_exact_evm_insufficient_balance', 'A paid report');
    expect(r).toEqual({ isError: true, structuredContent: pr, content: [{ type: 'text', text: x402ErrorText('Payment invalid', pr) }] });
    expect(fac.calls.map((x) => x.endpoint)).toEqual(['verify']);
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 0, settled: 0, served: 0 });
  });

  test('a payload for another requirement: "No matching payment requirements found", no facilitator call', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_report', arguments: {} });
    const payload = await payer.createPaymentPayload(first.structuredContent);
    const r: any = await c.callTool({ name: 'paid_report', arguments: {}, _meta: { 'x402/payment': { ...payload, accepted: { ...payload.accepted, amount: '1' } } } });
    expect(r.structuredContent).toEqual(paymentRequired('paid_report', 'No matching payment requirements found', 'A paid report'));
    expect(fac.calls).toEqual([]);
  });

  test('settlement fails: isError, PaymentRequired ("Payment settlement failed: …") plus x402/payment-response {success: false}', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_report', arguments: {} });
    fac.failSettle = true;
    const r: any = await c.callTool({ name: 'paid_report', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent) } });
    const auth = expectPaidOnce('paid_report', 'A paid report');
    expect(auth.from).toBe(PAYER);
    const data = {
      ...paymentRequired('paid_report', 'Payment settlement failed: invalid_exact_evm_transaction_failed', 'A paid report'),
      'x402/payment-response': { success: false, errorReason: 'invalid_exact_evm_transaction_failed', transaction: '', network: 'eip155:84532', payer: PAYER },
    };
    expect(Object.keys(r).sort()).toEqual(['content', 'isError', 'structuredContent']);
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toEqual(data);
    expect(r.content).toHaveLength(1);
    expect(JSON.parse(r.content[0].text)).toEqual({ 'x402/error': { code: 402, message: 'Payment settlement failed', data } });
    // The tool ran (settlement comes after it), nothing was settled.
    expect(mcp.count('paid_report')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 0, served: 1 });
  });
});

describe('the other forms a client must read', () => {
  test('wrapped: structuredContent["x402/error"].data is the PaymentRequired; paid the same way', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_wrapped', arguments: {} });
    const pr = paymentRequired('paid_wrapped');
    expect(first).toEqual({ isError: true, structuredContent: { 'x402/error': { code: 402, message: 'Payment required', data: pr } }, content: [{ type: 'text', text: x402ErrorText('Payment required', pr) }] });
    const r: any = await c.callTool({ name: 'paid_wrapped', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent['x402/error'].data) } });
    const auth = expectPaidOnce('paid_wrapped');
    expect(r._meta).toEqual({ 'x402/payment-response': settlement(auth.nonce) });
    expect(r.structuredContent).toEqual({ paid: true, tool: 'paid_wrapped', arguments: {} });
  });

  test('text-only: no structuredContent, the PaymentRequired only in content[0].text; paid the same way', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_text', arguments: { n: 1 } });
    const pr = paymentRequired('paid_text');
    expect(first).toEqual({ isError: true, content: [{ type: 'text', text: x402ErrorText('Payment required', pr) }] });
    const data = JSON.parse(first.content[0].text)['x402/error'].data;
    const r: any = await c.callTool({ name: 'paid_text', arguments: { n: 1 }, _meta: { 'x402/payment': await payer.createPaymentPayload(data) } });
    const auth = expectPaidOnce('paid_text');
    expect(r).toEqual({
      content: [{ type: 'text', text: JSON.stringify({ paid: true, tool: 'paid_text', arguments: { n: 1 } }) }],
      structuredContent: { paid: true, tool: 'paid_text', arguments: { n: 1 } },
      _meta: { 'x402/payment-response': settlement(auth.nonce) },
    });
  });

  test('rpc-error: a JSON-RPC error {code: 402, data: PaymentRequired}; paid the same way', async () => {
    const c = await connect();
    const err = await c.callTool({ name: 'paid_rpc', arguments: {} }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(402);
    expect(err.data).toEqual(paymentRequired('paid_rpc'));
    expect(mcp.callsOf('paid_rpc')[0].error).toEqual({ code: 402, message: 'MCP error 402: Payment required', data: paymentRequired('paid_rpc') });
    const r: any = await c.callTool({ name: 'paid_rpc', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(err.data) } });
    const auth = expectPaidOnce('paid_rpc');
    expect(r._meta).toEqual({ 'x402/payment-response': settlement(auth.nonce) });
    // Its settlement failure is a JSON-RPC error too.
    fac.reset();
    fac.failSettle = true;
    const failed = await c.callTool({ name: 'paid_rpc', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(err.data) } }).then(() => undefined, (e) => e);
    expect(failed.code).toBe(402);
    expect(failed.data['x402/payment-response']).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_transaction_failed' });
  });

  test('malformed: isError with {x402Version: 2, accepts: "nope"}, which the official client cannot pay', async () => {
    const c = await connect();
    const r: any = await c.callTool({ name: 'paid_malformed', arguments: {} });
    const bad = { x402Version: 2, error: PAYMENT_REQUIRED_ERROR, accepts: 'nope' };
    expect(r).toEqual({ isError: true, structuredContent: bad, content: [{ type: 'text', text: x402ErrorText('Payment required', bad) }] });
    await expect(payer.createPaymentPayload(r.structuredContent)).rejects.toThrow();
    expect(fac.calls).toEqual([]);
  });
});

describe('breaking off', () => {
  test('die-after-settle: settled at the facilitator, and the client gets no answer', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_die', arguments: {} });
    const err = await c
      .callTool({ name: 'paid_die', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent) } }, undefined, { timeout: 2000 })
      .then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(Error);
    expectPaidOnce('paid_die');
    expect(fac.settles[0].response.success).toBe(true);
    expect(mcp.count('paid_die')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 1, served: 1 });
  });

  test('die-before-settle: verified, the tool ran, never settled, no answer', async () => {
    const c = await connect();
    const first: any = await c.callTool({ name: 'paid_die_early', arguments: {} });
    const err = await c
      .callTool({ name: 'paid_die_early', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent) } }, undefined, { timeout: 2000 })
      .then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(fac.calls.map((x) => x.endpoint)).toEqual(['verify']);
    expect(mcp.count('paid_die_early')).toEqual({ calls: 2, withPayment: 1, verified: 1, settled: 0, served: 1 });
  });
});

describe('the wire', () => {
  const ACCEPT_BOTH = 'application/json, text/event-stream';
  const init = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  });

  test('stateful SSE (default): initialize issues Mcp-Session-Id and answers text/event-stream; a call without the session is refused', async () => {
    const r = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH }, body: JSON.stringify(init(1)) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const sid = r.headers.get('mcp-session-id');
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const text = await r.text();
    expect(text).toMatch(/^event: message\ndata: \{.*"id":1.*\}\n\n$/s);
    const note = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, 'mcp-session-id': sid! }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    expect(note.status).toBe(202);
    const call = await fetch(mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, 'mcp-session-id': sid! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'paid_report', arguments: {} } }),
    });
    expect(call.status).toBe(200);
    const data = /^data: (.*)$/m.exec(await call.text())![1];
    expect(JSON.parse(data)).toMatchObject({ jsonrpc: '2.0', id: 2, result: { isError: true, structuredContent: paymentRequired('paid_report', PAYMENT_REQUIRED_ERROR, 'A paid report') } });
    const noSession = await fetch(mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: {} } }),
    });
    expect(noSession.status).toBe(400);
    // The SDK insists on both media types in Accept.
    const jsonOnly = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': sid! }, body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }) });
    expect(jsonOnly.status).toBe(406);
  });

  test('die-after-settle on the wire: the paid call\'s answer breaks off (the body never completes), after settlement', async () => {
    const r = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH }, body: JSON.stringify(init(1)) });
    const sid = r.headers.get('mcp-session-id')!;
    await r.text();
    const headers = { 'content-type': 'application/json', accept: ACCEPT_BOTH, 'mcp-session-id': sid };
    await (await fetch(mcp.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    const unpaid = await fetch(mcp.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'paid_die', arguments: {} } }) });
    const pr = JSON.parse(/^data: (.*)$/m.exec(await unpaid.text())![1]).result.structuredContent;
    const payload = await payer.createPaymentPayload(pr);
    const outcome = await fetch(mcp.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'paid_die', arguments: {}, _meta: { 'x402/payment': payload } } }),
    }).then(
      (res) => res.text().then((t) => `answered ${res.status}: ${t}`, (e) => `body broke off: ${e}`),
      (e) => `no answer: ${e}`,
    );
    expect(outcome).toMatch(/^(body broke off|no answer): /);
    expect(fac.settles).toHaveLength(1);
    expect(fac.settles[0].response.success).toBe(true);
  });

  test('jsonResponse + stateless: plain JSON answers, no Mcp-Session-Id; the official client pays through it too', async () => {
    const r = await fetch(mcpJson.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH }, body: JSON.stringify(init(1)) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.headers.get('mcp-session-id')).toBeNull();
    expect(await r.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'x402-mcp-fixture' } } });

    const c = await connect(mcpJson.url);
    const first: any = await c.callTool({ name: 'paid_report', arguments: {} });
    const paid: any = await c.callTool({ name: 'paid_report', arguments: {}, _meta: { 'x402/payment': await payer.createPaymentPayload(first.structuredContent) } });
    const auth = expectPaidOnce('paid_report', 'A paid report');
    expect(paid._meta).toEqual({ 'x402/payment-response': settlement(auth.nonce) });
    expect(mcpJson.callsOf('paid_report').map((x) => x.sessionId)).toEqual([undefined, undefined]);
  });
});

test('nothing left the loopback', () => {
  expect(guard.foreign).toEqual([]);
});

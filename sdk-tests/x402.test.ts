// Issue 22 acceptance: x402 payments through Stub. A real `stub serve`, started with a local signer
// (`--signer ops=KEYFILE`, the file chmod 600) and `--allow-private-fetch` (the fixtures listen on
// 127.0.0.1), pays the x402 fixtures on an agent's behalf through POST /v1/x402/fetch:
//   - x402_resource_v2.ts (@x402/express) and x402_resource_v1.ts (x402-express), unmodified
//     middlewares, both settling through x402_facilitator.ts, which checks every EIP-3009 signature
//     with viem and answers a fake transaction hash;
//   - a tiny node:http server answering 402s Stub cannot read.
// Each case asserts the exact outcome: Stub's answer, what the facilitator verified and settled, how
// many requests reached the resource, and the books (hold, spend, receipt, budget) read back with the
// admin key. Money is compared as integer micro-units.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { BASE_SEPOLIA_USDC, fakeTransactionHash, startFacilitator, type X402Facilitator } from './fixtures/x402_facilitator.ts';
import { startResourceV2, type X402ResourceV2 } from './fixtures/x402_resource_v2.ts';
import { startResourceV1, type X402ResourceV1 } from './fixtures/x402_resource_v1.ts';
import { type PaidRoute, type ResourceFixture } from './fixtures/x402_resource_common.ts';
import { startStub, StubServer, type ApiAnswer } from './harness/stub.ts';
import { agentLimit } from './harness/gateway.ts';
import {
  OTHER_ASSET,
  PAYER,
  PAYER_KEY,
  PAY_TO,
  WALLET,
  answerLog,
  b64json,
  expectBooked,
  expectDenialRecorded,
  expectNoMoneyMoved,
  expectPaidAtFacilitator,
  now,
  spends,
  startPayingStub,
  v1AcceptAt,
  v2Accept,
  walletTenant,
  x402Receipt,
  type Tenant,
  type TenantOptions,
} from './harness/x402.ts';

// ---- a second payer, the routes -----------------------------------------------------------------
// A second signer, given to the second server through the environment (`--signer NAME=env:VAR`).
const ENV_KEY = `0x${randomBytes(32).toString('hex')}` as const;
const ENV_PAYER = privateKeyToAccount(ENV_KEY).address;

const ROUTES: PaidRoute[] = [
  { path: '/paid', price: '10000', payTo: PAY_TO, description: 'A paid report', body: { report: 'the paid content' } },
  { path: '/die-before-settle', price: '10000', payTo: PAY_TO, behavior: 'die-before-settle' },
  { path: '/die-after-settle', price: '10000', payTo: PAY_TO, behavior: 'die-after-settle' },
];

/** The v1 requirement x402-express answers for a route of `v1`. */
const v1Accept = (p: string, description = '') => v1AcceptAt(`${v1.url}${p}`, '10000', description);

// ---- the servers ---------------------------------------------------------------------------------
let fac: X402Facilitator;
let v2: X402ResourceV2;
let v1: X402ResourceV1;
let stub: StubServer;
let keyDir = '';
/** A resource server whose 402s Stub cannot read. */
let garbage: Server;
let garbageUrl = '';
let garbageRequests = 0;

beforeAll(async () => {
  fac = await startFacilitator();
  v2 = await startResourceV2({ facilitatorUrl: fac.url, routes: ROUTES });
  v1 = await startResourceV1({ facilitatorUrl: fac.url, routes: ROUTES });
  garbage = createServer((req, res) => {
    garbageRequests++;
    if (req.url === '/bad-header') {
      // A v2-style 402 whose PAYMENT-REQUIRED is not base64 of a JSON document.
      res.writeHead(402, { 'PAYMENT-REQUIRED': '%%% not base64 {x402Version: 2} %%%', 'content-type': 'application/json' });
      res.end('{}');
    } else if (req.url === '/bad-json-header') {
      // base64 of something that is not the JSON of a requirements document.
      res.writeHead(402, { 'PAYMENT-REQUIRED': Buffer.from('{"x402Version": 2, "accepts": "nope"').toString('base64') });
      res.end('{}');
    } else if (req.url === '/redirect-same') {
      res.writeHead(302, { location: '/echo' });
      res.end();
    } else if (req.url === '/redirect-cross') {
      // The same server under another name: another origin to Stub.
      res.writeHead(302, { location: `http://localhost:${(garbage.address() as AddressInfo).port}/echo` });
      res.end();
    } else if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.headers));
    } else {
      // A v1-style 402 (no header) whose body is not a v1 requirements document.
      res.writeHead(402, { 'content-type': 'text/plain' });
      res.end('pay me, somehow');
    }
  });
  await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', () => r()));
  garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;

  ({ stub, keyDir } = await startPayingStub('stub-x402-key-'));
});
afterAll(async () => {
  await stub?.stop();
  await v2?.close();
  await v1?.close();
  await fac?.close();
  await new Promise<void>((r) => (garbage ? garbage.close(() => r()) : r()));
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});
beforeEach(() => {
  fac.reset();
  v2.reset();
  v1.reset();
  garbageRequests = 0;
});

// ---- helpers -------------------------------------------------------------------------------------
/** Every answer any server of this file gave (status, headers, body), for the "no key leaks" check. */
const { answers, record } = answerLog();

/** A fresh tenant (see walletTenant) on this file's server, or on `on`. */
const tenant = (opts: TenantOptions & { on?: StubServer } = {}) => walletTenant(opts.on ?? stub, record, opts);

const key = () => `x402-${randomUUID()}`;

/** POST /v1/x402/fetch with the agent's key. */
async function x402(t: Tenant, body: Record<string, unknown>): Promise<ApiAnswer> {
  return record(await t.stub.api(t.agentKey, 'POST', '/v1/x402/fetch', { idempotency_key: key(), ...body }));
}

/** What this file's facilitator saw of a payment over `requirements` (see expectPaidAtFacilitator). */
const expectFacilitatorPaid = (version: 1 | 2, requirements: unknown, endpoints: Array<'verify' | 'settle'>) =>
  expectPaidAtFacilitator(fac, version, requirements, endpoints);

/** The receipt's x402 part Stub must write for a payment of a fixture route, before the outcome fields. */
function expectedPayment(version: 1 | 2, res: ResourceFixture, p: string, auth: { nonce: string; validAfter: string; validBefore: string }, description = '') {
  return x402Receipt(version, auth, { resource: `${res.url}${p}`, url: `${res.url}${p}`, description });
}

// ---- wallets -------------------------------------------------------------------------------------
describe('wallets', () => {
  test('PUT /v1/wallets/{id}: 201 new, 200 replaced; the address is derived from the signer; GET lists and shows it', async () => {
    const t = await tenant({ wallet: null });
    const put = record(await t.org.api('PUT', '/v1/wallets/main', { ...WALLET, category: 'paid-apis' }));
    expect(put.status).toBe(201);
    const shown = {
      id: 'main',
      signer: 'ops',
      address: PAYER,
      networks: ['eip155:84532', 'base-sepolia'],
      assets: { [BASE_SEPOLIA_USDC]: { decimals: 6, rate: '1' } },
      category: 'paid-apis',
    };
    expect(put.body).toEqual(shown);
    // Asset keys are read in any case and shown EIP-55; a missing category is "x402".
    const again = record(await t.org.api('PUT', '/v1/wallets/main', { ...WALLET, assets: { [BASE_SEPOLIA_USDC.toLowerCase()]: { decimals: 6, rate: '1.000000' } } }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...shown, category: 'x402' });
    const list = record(await t.org.api('GET', '/v1/wallets'));
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [{ ...shown, category: 'x402' }] });
    const one = record(await t.org.api('GET', '/v1/wallets/main'));
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ ...shown, category: 'x402' });
    expect(record(await t.org.api('GET', '/v1/wallets/nope')).status).toBe(404);
    // Wallets are the admin's: an agent key may not read or put them.
    expect(record(await stub.api(t.agentKey, 'GET', '/v1/wallets')).status).toBe(403);
    expect(record(await stub.api(t.agentKey, 'PUT', '/v1/wallets/main', WALLET)).status).toBe(403);
  });

  test('a wallet naming a signer the server was not started with: 409 x402_signer_missing, nothing stored', async () => {
    const t = await tenant({ wallet: null });
    const r = record(await t.org.api('PUT', '/v1/wallets/main', { ...WALLET, signer: 'cold' }));
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('x402_signer_missing');
    expect(record(await t.org.api('GET', '/v1/wallets')).body).toEqual({ items: [] });
  });

  test('bad bodies: 400 invalid_request (a key in the body, a bad asset address, a non-EVM network), nothing stored', async () => {
    const t = await tenant({ wallet: null });
    for (const body of [
      { ...WALLET, private_key: PAYER_KEY },
      { ...WALLET, assets: { '0x1234': { decimals: 6, rate: '1' } } },
      { ...WALLET, networks: ['solana-devnet'] },
      { ...WALLET, networks: [] },
      { networks: WALLET.networks, assets: WALLET.assets },
    ]) {
      const r = record(await t.org.api('PUT', '/v1/wallets/main', body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    const rate = record(await t.org.api('PUT', '/v1/wallets/main', { ...WALLET, assets: { [BASE_SEPOLIA_USDC]: { decimals: 6, rate: 1 } } }));
    expect(rate.status).toBe(400);
    expect(rate.body.error.code).toBe('invalid_amount');
    expect(record(await t.org.api('GET', '/v1/wallets')).body).toEqual({ items: [] });
  });
});

// ---- paying ----------------------------------------------------------------------------------------
describe('paid fetches', () => {
  test('v2 (@x402/express): the resource arrives; the facilitator verified and settled the wallet\'s signature for exactly 10000; booked 0.01 with a complete receipt', async () => {
    const t = await tenant();
    const t0 = now();
    const r = await x402(t, { url: `${v2.url}/paid`, max_amount: '0.01', session: 'sess-1', user: 'alice@acme.com', intent: 'weekly report' });
    const t1 = now();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'body', 'decision', 'headers', 'hold_id', 'payment', 'spend_id', 'status']);
    expect(r.body).toMatchObject({ decision: 'paid', status: 200, amount: '0.01' });
    expect(JSON.parse(r.body.body)).toEqual({ report: 'the paid content' });
    expect(r.body.headers['content-type']).toBe('application/json; charset=utf-8');

    const auth = expectFacilitatorPaid(2, v2Accept(), ['verify', 'settle']);
    // v2: the payload echoes the chosen requirement and the resource.
    expect(fac.settles[0].paymentPayload).toEqual({
      x402Version: 2,
      payload: { authorization: auth, signature: fac.settles[0].signature },
      resource: { url: `${v2.url}/paid`, description: 'A paid report', mimeType: 'application/json' },
      accepted: v2Accept(),
    });
    // Valid from 10 minutes ago to the requirement's maxTimeoutSeconds (300) from now.
    expect(Number(auth.validAfter)).toBeGreaterThanOrEqual(t0 - 600);
    expect(Number(auth.validAfter)).toBeLessThanOrEqual(t1 - 600);
    expect(Number(auth.validBefore)).toBeGreaterThanOrEqual(t0 + 300);
    expect(Number(auth.validBefore)).toBeLessThanOrEqual(t1 + 300);
    expect(auth.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    const tx = fakeTransactionHash(84532, PAYER, auth.nonce);
    expect(fac.settles[0].response).toEqual({ success: true, transaction: tx, network: 'eip155:84532', payer: PAYER });
    expect(JSON.stringify(b64json(r.body.headers['payment-response']))).toBe(JSON.stringify({ success: true, payer: PAYER, transaction: tx, network: 'eip155:84532' }));

    const payment = { ...expectedPayment(2, v2, '/paid', auth, 'A paid report'), settled: true, transaction: tx };
    expect(r.body.payment).toEqual(payment);
    expect(v2.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });

    const s = await expectBooked(t, r.body, payment);
    expect(s).toMatchObject({ session: 'sess-1', user: 'alice@acme.com', intent: 'weekly report' });
  });

  test('v1 (x402-express): the same through the X-PAYMENT header and the v1 requirements', async () => {
    const t = await tenant();
    const t0 = now();
    const r = await x402(t, { url: `${v1.url}/paid` });
    const t1 = now();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'body', 'decision', 'headers', 'hold_id', 'payment', 'spend_id', 'status']);
    expect(r.body).toMatchObject({ decision: 'paid', status: 200, amount: '0.01' });
    expect(JSON.parse(r.body.body)).toEqual({ report: 'the paid content' });

    const auth = expectFacilitatorPaid(1, v1Accept('/paid', 'A paid report'), ['verify', 'settle']);
    expect(JSON.stringify(fac.settles[0].paymentPayload)).toBe(
      JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: { signature: fac.settles[0].signature, authorization: auth } }),
    );
    expect(Number(auth.validAfter)).toBeGreaterThanOrEqual(t0 - 600);
    expect(Number(auth.validAfter)).toBeLessThanOrEqual(t1 - 600);
    expect(Number(auth.validBefore)).toBeGreaterThanOrEqual(t0 + 60);
    expect(Number(auth.validBefore)).toBeLessThanOrEqual(t1 + 60);
    const tx = fakeTransactionHash(84532, PAYER, auth.nonce);
    expect(fac.settles[0].response).toEqual({ success: true, transaction: tx, network: 'base-sepolia', payer: PAYER });
    expect(r.body.headers['payment-response']).toBeUndefined();
    expect(b64json(r.body.headers['x-payment-response'])).toEqual({ success: true, transaction: tx, network: 'base-sepolia', payer: PAYER });

    const payment = { ...expectedPayment(1, v1, '/paid', auth, 'A paid report'), settled: true, transaction: tx };
    expect(r.body.payment).toEqual(payment);
    expect(v1.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });
    await expectBooked(t, r.body, payment);
  });

  test('a resource that asks nothing: 200 decision free, the answer as is, nothing held, no facilitator call', async () => {
    const t = await tenant();
    const r = await x402(t, { url: `${v2.url}/free` });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['body', 'decision', 'headers', 'status']);
    expect(r.body).toMatchObject({ decision: 'free', status: 200, body: '{"free":true}' });
    expect(r.body.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(v2.count('/free')).toEqual({ requests: 1, withPayment: 0, served: 1 });
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });
});

// ---- what Stub will not pay -------------------------------------------------------------------------
describe('denials: 402, nothing signed, nothing held', () => {
  /** The refusal's shape, and that the resource saw only the unpaid request and the facilitator nothing. */
  async function expectRefused(t: Tenant, r: ApiAnswer, code: string, res: ResourceFixture = v2) {
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
    expect(r.body).not.toHaveProperty('hold_id');
    expect(r.body).not.toHaveProperty('payment');
    expect(fac.calls).toEqual([]);
    expect(res.count('/paid')).toEqual({ requests: 1, withPayment: 0, served: 0 });
    await expectNoMoneyMoved(t);
  }

  test('the requirement is over max_amount: x402_over_max_amount', async () => {
    const t = await tenant();
    await expectRefused(t, await x402(t, { url: `${v2.url}/paid`, max_amount: '0.009999' }), 'x402_over_max_amount');
    expect(await spends(t)).toEqual([]);
    v1.reset();
    await expectRefused(t, await x402(t, { url: `${v1.url}/paid`, max_amount: '0.009999' }), 'x402_over_max_amount', v1);
    expect(await spends(t)).toEqual([]);
  });

  test('the vendor (the resource\'s host) is blocked by policy: vendor_blocked', async () => {
    const t = await tenant();
    await t.org.putPolicy(t.org.id, { vendors: { block: ['127.0.0.1'] } });
    const r = await x402(t, { url: `${v2.url}/paid` });
    await expectRefused(t, r, 'vendor_blocked');
    expect(r.body.decision).toBe('denied');
    expect(r.body.outcome).toMatchObject({ status: 'denied', reason: 'vendor_blocked', amount: '0.01', node: t.org.id });
    await expectDenialRecorded(t, r, 'vendor_blocked');
  });

  test('the budget cannot hold 0.01: budget_exceeded, with the binding limit', async () => {
    const t = await tenant({ limit: '0.009999' });
    const r = await x402(t, { url: `${v2.url}/paid` });
    await expectRefused(t, r, 'budget_exceeded');
    expect(r.body.decision).toBe('denied');
    expect(r.body.outcome).toMatchObject({ status: 'denied', reason: 'budget_exceeded', amount: '0.01', node: 'a1', period: 'month' });
    await expectDenialRecorded(t, r, 'budget_exceeded');
  });

  test('a network the wallet does not allow: x402_network_not_allowed', async () => {
    const t = await tenant({ wallet: { ...WALLET, networks: ['eip155:8453'] } });
    await expectRefused(t, await x402(t, { url: `${v2.url}/paid` }), 'x402_network_not_allowed');
    v1.reset();
    await expectRefused(t, await x402(t, { url: `${v1.url}/paid` }), 'x402_network_not_allowed', v1);
    expect(await spends(t)).toEqual([]);
  });

  test('an asset the wallet has no rate for: x402_asset_not_allowed', async () => {
    const t = await tenant({ wallet: { ...WALLET, assets: { [OTHER_ASSET]: { decimals: 6, rate: '1' } } } });
    await expectRefused(t, await x402(t, { url: `${v2.url}/paid` }), 'x402_asset_not_allowed');
    expect(await spends(t)).toEqual([]);
  });
});

// ---- concurrency and idempotency ---------------------------------------------------------------------
describe('concurrency and idempotency', () => {
  test('20 concurrent paid fetches against a budget that fits exactly 7: 7 paid, 13 budget_exceeded, 7 settles, 0.07 used', async () => {
    const t = await tenant({ limit: '0.07' });
    const rs = await Promise.all(Array.from({ length: 20 }, () => x402(t, { url: `${v2.url}/paid` })));
    const paid = rs.filter((r) => r.status === 200);
    const denied = rs.filter((r) => r.status !== 200);
    expect(paid).toHaveLength(7);
    expect(denied).toHaveLength(13);
    for (const r of paid) expect(r.body).toMatchObject({ decision: 'paid', status: 200, amount: '0.01', payment: { settled: true } });
    for (const r of denied) {
      expect(r.status).toBe(402);
      expect(r.body).toMatchObject({ decision: 'denied', error: { code: 'budget_exceeded' } });
    }
    expect(fac.settles).toHaveLength(7);
    expect(fac.verifies).toHaveLength(7);
    expect(fac.calls.every((c) => c.signatureValid && c.response.isValid !== false && c.response.success !== false)).toBe(true);
    // Seven distinct payments, each booked once.
    const nonces = new Set(fac.settles.map((c) => c.authorization!.nonce));
    expect(nonces.size).toBe(7);
    expect(new Set(paid.map((r) => r.body.payment.nonce))).toEqual(nonces);
    expect(v2.count('/paid')).toEqual({ requests: 27, withPayment: 7, served: 7 });
    const approved = await spends(t, '&status=approved');
    expect(approved).toHaveLength(7);
    expect(await spends(t, '&status=denied')).toHaveLength(13);
    expect(new Set(approved.map((s) => s.id))).toEqual(new Set(paid.map((r) => r.body.spend_id)));
    const l = await agentLimit(t.org, 'a1');
    expect(l.spent).toBe(70_000n);
    expect(l.held).toBe(0n);
  });

  test('the same fetch retried with its idempotency key is not paid twice: 409 idempotent_replay naming the spend', async () => {
    const t = await tenant();
    const k = key();
    const first = await x402(t, { url: `${v2.url}/paid`, idempotency_key: k });
    expect(first.status).toBe(200);
    expect(first.body.decision).toBe('paid');
    const again = await x402(t, { url: `${v2.url}/paid`, idempotency_key: k });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('idempotent_replay');
    expect(again.body.error.message).toContain(first.body.spend_id);
    expect(fac.settles).toHaveLength(1);
    expect(fac.verifies).toHaveLength(1);
    // The retry asked the resource again (unpaid) and paid nothing.
    expect(v2.count('/paid')).toEqual({ requests: 3, withPayment: 1, served: 1 });
    expect((await spends(t)).map((s) => s.id)).toEqual([first.body.spend_id]);
    expect((await agentLimit(t.org, 'a1')).spent).toBe(10_000n);
  });
});

// ---- failures ------------------------------------------------------------------------------------
describe('failure paths', () => {
  test('v2 settle fails: 200 decision not_paid with the upstream 402, the hold voided, nothing spent; a retry with the same key then pays', async () => {
    const t = await tenant();
    fac.failSettle = true;
    const k = key();
    const r = await x402(t, { url: `${v2.url}/paid`, idempotency_key: k });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amount', 'body', 'decision', 'headers', 'hold_id', 'payment', 'status']);
    expect(r.body).toMatchObject({ decision: 'not_paid', status: 402, amount: '0.01', body: '{}' });
    expect(b64json(r.body.headers['payment-response'])).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_transaction_failed' });
    const auth = expectFacilitatorPaid(2, v2Accept(), ['verify', 'settle']);
    expect(r.body.payment).toEqual({ ...expectedPayment(2, v2, '/paid', auth, 'A paid report'), settled: false, refused: 'invalid_exact_evm_transaction_failed' });
    const h = await t.org.ok('GET', `/v1/holds/${r.body.hold_id}`);
    expect(h.status).toBe('voided');
    expect(h).not.toHaveProperty('spend_id');
    await expectNoMoneyMoved(t);

    // The failed attempt charged nothing, so the same key may pay now.
    fac.reset();
    const retry = await x402(t, { url: `${v2.url}/paid`, idempotency_key: k });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ decision: 'paid', payment: { settled: true } });
    expect(retry.body.hold_id).not.toBe(r.body.hold_id);
    expect(fac.settles).toHaveLength(1);
    expect((await agentLimit(t.org, 'a1')).spent).toBe(10_000n);
  });

  test('v1 settle fails: 200 decision not_paid (402 body error invalid_transaction_state), the hold voided', async () => {
    const t = await tenant();
    fac.failSettle = true;
    const r = await x402(t, { url: `${v1.url}/paid` });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ decision: 'not_paid', status: 402, amount: '0.01' });
    expect(JSON.parse(r.body.body)).toEqual({ x402Version: 1, error: 'invalid_transaction_state', accepts: [v1Accept('/paid', 'A paid report')] });
    const auth = expectFacilitatorPaid(1, v1Accept('/paid', 'A paid report'), ['verify', 'settle']);
    expect(r.body.payment).toEqual({ ...expectedPayment(1, v1, '/paid', auth, 'A paid report'), settled: false, refused: 'invalid_transaction_state' });
    expect(r.body).not.toHaveProperty('spend_id');
    expect((await t.org.ok('GET', `/v1/holds/${r.body.hold_id}`)).status).toBe('voided');
    await expectNoMoneyMoved(t);
  });

  // Once a signed payment has been sent, money may have moved: a resource that dies before answering
  // is booked in full, flagged unsettled, and the payment went exactly once (a fresh connection, never
  // resent: a resent payment could be settled twice, or refused as a replay after the first settled).
  for (const version of [2, 1] as const) {
    test(`v${version}: the resource dies after settlement: 502 upstream_no_answer, decision paid, booked 0.01 unsettled; the payment sent once`, async () => {
      const res = version === 2 ? v2 : v1;
      const t = await tenant();
      const r = await x402(t, { url: `${res.url}/die-after-settle` });
      expect(r.status).toBe(502);
      expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'error', 'hold_id', 'payment', 'spend_id']);
      expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01', error: { code: 'upstream_no_answer' } });
      // The money moved: one verify, one settle, and the signed payment reached the resource once.
      const auth = expectFacilitatorPaid(version, version === 2 ? v2Accept() : v1Accept('/die-after-settle'), ['verify', 'settle']);
      expect(fac.settles[0].response.success).toBe(true);
      expect(res.count('/die-after-settle')).toEqual({ requests: 2, withPayment: 1, served: 1 });
      const payment = { ...expectedPayment(version, res, '/die-after-settle', auth), settled: false, unsettled_reason: 'no answer to the paid request' };
      expect(r.body.payment).toEqual(payment);
      await expectBooked(t, r.body, payment);
    });

    test(`v${version}: the resource dies before settlement: the same shape (Stub cannot know), booked 0.01 unsettled`, async () => {
      const res = version === 2 ? v2 : v1;
      const t = await tenant();
      const r = await x402(t, { url: `${res.url}/die-before-settle` });
      expect(r.status).toBe(502);
      expect(Object.keys(r.body).sort()).toEqual(['amount', 'decision', 'error', 'hold_id', 'payment', 'spend_id']);
      expect(r.body).toMatchObject({ decision: 'paid', amount: '0.01', error: { code: 'upstream_no_answer' } });
      // The signed payment reached the resource once: verified once, never settled.
      expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
      expect(res.count('/die-before-settle')).toEqual({ requests: 2, withPayment: 1, served: 1 });
      const auth = fac.verifies[0].authorization!;
      expect(fac.verifies[0]).toMatchObject({ amount: '10000', claimedPayer: PAYER, recoveredPayer: PAYER, signatureValid: true, authorization: auth });
      expect(fac.verifies[0].paymentRequirements).toEqual(version === 2 ? v2Accept() : v1Accept('/die-before-settle'));
      const payment = { ...expectedPayment(version, res, '/die-before-settle', auth), settled: false, unsettled_reason: 'no answer to the paid request' };
      expect(r.body.payment).toEqual(payment);
      await expectBooked(t, r.body, payment);
    });

  }

  test('redirects are followed; the agent\'s credentials never follow one to another origin', async () => {
    const t = await tenant();
    const headers = { authorization: 'Bearer resource-token', cookie: 'sid=1', 'x-custom': 'kept' };
    const same = await x402(t, { url: `${garbageUrl}/redirect-same`, headers });
    expect(same.status).toBe(200);
    expect(same.body.decision).toBe('free');
    expect(JSON.parse(same.body.body)).toMatchObject({ authorization: 'Bearer resource-token', cookie: 'sid=1', 'x-custom': 'kept' });
    const cross = await x402(t, { url: `${garbageUrl}/redirect-cross`, headers });
    expect(cross.status).toBe(200);
    const seen = JSON.parse(cross.body.body);
    expect(seen['x-custom']).toBe('kept');
    expect(seen).not.toHaveProperty('authorization');
    expect(seen).not.toHaveProperty('cookie');
  });

  test('a 402 Stub cannot read (garbage PAYMENT-REQUIRED, or a v1 body that is not requirements): 502 x402_invalid_requirements, nothing held', async () => {
    const t = await tenant();
    for (const p of ['/bad-header', '/bad-json-header', '/bad-body']) {
      garbageRequests = 0;
      const r = await x402(t, { url: `${garbageUrl}${p}` });
      expect(r.status, p).toBe(502);
      expect(r.body.error.code).toBe('x402_invalid_requirements');
      expect(r.body).not.toHaveProperty('hold_id');
      expect(garbageRequests).toBe(1);
    }
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
    expect(await spends(t)).toEqual([]);
  });

  test('an org with no wallet: 409 x402_no_wallet, before any request leaves Stub', async () => {
    const t = await tenant({ wallet: null });
    const r = await x402(t, { url: `${v2.url}/paid` });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('x402_no_wallet');
    expect(v2.count('/paid')).toEqual({ requests: 0, withPayment: 0, served: 0 });
    expect(fac.calls).toEqual([]);
    await expectNoMoneyMoved(t);
  });

  test('fetches are made with an agent key: the admin key gets 403', async () => {
    const t = await tenant();
    const r = record(await stub.api(t.org.adminKey, 'POST', '/v1/x402/fetch', { url: `${v2.url}/paid`, idempotency_key: key() }));
    expect(r.status).toBe(403);
    expect(v2.count('/paid').requests).toBe(0);
  });
});

// ---- reach and secrets --------------------------------------------------------------------------
describe('reach and secrets', () => {
  test('a server started without --allow-private-fetch refuses a loopback URL: 403 target_not_public (signer from env:VAR)', async () => {
    const s = await startStub({ args: ['--signer', 'ops=env:STUB_TEST_X402_KEY'], env: { STUB_TEST_X402_KEY: ENV_KEY } });
    try {
      const t = await tenant({ on: s });
      const w = record(await t.org.api('GET', '/v1/wallets/main'));
      expect(w.body.address).toBe(ENV_PAYER);
      const r = await x402(t, { url: `${v2.url}/paid` });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('target_not_public');
      expect(v2.count('/paid').requests).toBe(0);
      expect(fac.calls).toEqual([]);
      await expectNoMoneyMoved(t);
      expect(s.output().toLowerCase()).not.toContain(ENV_KEY.slice(2));
    } finally {
      await s.stop();
    }
  });

  test('a world-readable key file is refused at start, naming the file and not the key', async () => {
    const loose = path.join(keyDir, 'loose.key');
    writeFileSync(loose, PAYER_KEY + '\n');
    chmodSync(loose, 0o644);
    expect(statSync(loose).mode & 0o777).toBe(0o644);
    const s = new StubServer({ args: ['--signer', `ops=${loose}`] });
    const err = await s.start().then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(s.output()).toContain(loose);
    expect(s.output()).toContain('chmod 600');
    expect(s.output().toLowerCase()).not.toContain(PAYER_KEY.slice(2));
  });

  test('the private key is in no answer and not in the server\'s output', () => {
    expect(answers.length).toBeGreaterThan(50);
    const hex = PAYER_KEY.slice(2).toLowerCase();
    for (const a of answers) expect(a.toLowerCase().includes(hex)).toBe(false);
    expect(stub.output().toLowerCase().includes(hex)).toBe(false);
  });
});

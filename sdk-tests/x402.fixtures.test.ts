// The x402 fixtures against the official x402 CLIENTS, with no Stub in between, so that Stub's payer
// (issue 22) can later be tested against the very same fixtures:
//   - v2: @x402/fetch + @x402/evm's exact client scheme (a viem privateKeyToAccount signer) paying
//     x402_resource_v2.ts (@x402/express);
//   - v1: x402-fetch (a viem wallet client on baseSepolia, as its README does) paying
//     x402_resource_v1.ts (x402-express);
//   - both resource servers settle through x402_facilitator.ts, which checks every EIP-3009 signature
//     with viem and answers a fake transaction hash.
// Every test asserts exact outcomes: the 402 and its requirements, the payment header's payload, what
// the facilitator received, the settlement header, and what each failure looks like to the buyer.
// A network guard (diagnostics_channel 'net.client.socket') fails the file if any socket of this
// process looks up or connects to anything but the loopback: no RPC, no public facilitator.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { baseSepolia } from 'viem/chains';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment as wrapFetchWithPaymentV1 } from 'x402-fetch';
import {
  BASE_SEPOLIA_USDC,
  FACILITATOR_SIGNER,
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  fakeTransactionHash,
  startFacilitator,
  type X402Facilitator,
} from './fixtures/x402_facilitator.ts';
import { startResourceV2, type X402ResourceV2 } from './fixtures/x402_resource_v2.ts';
import { startResourceV1, type X402ResourceV1 } from './fixtures/x402_resource_v1.ts';
import type { PaidRoute } from './fixtures/x402_resource_common.ts';
import { computeVector } from './fixtures/x402_vector.ts';
import { PAYER_KEY, PAY_TO, b64json, loopbackGuard, now, v1AcceptAt, v2Accept } from './harness/x402.ts';

// ---- network guard -------------------------------------------------------------------------------
const guard = loopbackGuard();

// ---- the payer, the payee, the routes ------------------------------------------------------------
const account = privateKeyToAccount(PAYER_KEY);
const OTHER_PAY_TO = '0x1111111111111111111111111111111111111111' as const;

const ROUTES: PaidRoute[] = [
  { path: '/paid', price: '10000', payTo: PAY_TO, description: 'A paid report', body: { report: 'the paid content' } },
  { path: '/dollar', price: '$0.01', payTo: PAY_TO },
  { path: '/other-payee', price: '2500', payTo: OTHER_PAY_TO },
  { path: '/die-before-settle', price: '10000', payTo: PAY_TO, behavior: 'die-before-settle' },
  { path: '/die-after-settle', price: '10000', payTo: PAY_TO, behavior: 'die-after-settle' },
  { path: '/fail-500', price: '10000', payTo: PAY_TO, behavior: 'fail-500' },
];

// ---- what went over the wire between the client and the resource server --------------------------
interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders?: Record<string, string>;
  body?: string;
  error?: string;
}
const wire: Exchange[] = [];
/** A fetch that records every request and answer, then hands the answer on untouched. */
const recordingFetch: typeof fetch = async (input: any, init?: any) => {
  const req = new Request(input, init);
  const ex: Exchange = { method: req.method, url: req.url, requestHeaders: Object.fromEntries(req.headers) };
  wire.push(ex);
  try {
    const res = await fetch(req);
    ex.status = res.status;
    ex.responseHeaders = Object.fromEntries(res.headers);
    ex.body = await res.clone().text();
    return res;
  } catch (e: any) {
    ex.error = String(e?.cause ?? e);
    throw e;
  }
};

// The official clients.
const v2Client = new x402Client();
registerExactEvmScheme(v2Client, { signer: account });
const payV2 = wrapFetchWithPayment(recordingFetch, v2Client);
const wallet = createWalletClient({ account, chain: baseSepolia, transport: http() });
const payV1 = wrapFetchWithPaymentV1(recordingFetch, wallet as any);

let fac: X402Facilitator;
let v2: X402ResourceV2;
let v1: X402ResourceV1;
let supportedAtStart = 0;

beforeAll(async () => {
  fac = await startFacilitator();
  v2 = await startResourceV2({ facilitatorUrl: fac.url, routes: ROUTES });
  v1 = await startResourceV1({ facilitatorUrl: fac.url, routes: ROUTES });
  supportedAtStart = fac.supportedRequests;
});
afterAll(async () => {
  await v2?.close();
  await v1?.close();
  await fac?.close();
  guard.stop();
});
beforeEach(() => {
  fac.reset();
  v2.reset();
  v1.reset();
  wire.length = 0;
});

/** The v1 requirements x402-express answers for a route of `v1`. */
const v1Accept = (path: string, amount: string, description = '') => v1AcceptAt(`${v1.url}${path}`, amount, description);

describe('facilitator fixture', () => {
  test('/supported lists exact for v2 (CAIP-2) and v1 (network name); the v2 middleware read it once at start', async () => {
    expect(supportedAtStart).toBe(1);
    const r = await fetch(`${fac.url}/supported`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
        { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
      ],
      extensions: [],
      signers: { 'eip155:*': [FACILITATOR_SIGNER] },
    });
  });
});

describe('x402 v2: @x402/express server, @x402/fetch client', () => {
  test('free route: 200 with no payment and no facilitator call', async () => {
    const r = await payV2(`${v2.url}/free`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ free: true });
    expect(wire).toHaveLength(1);
    expect(fac.calls).toHaveLength(0);
    expect(v2.count('/free')).toEqual({ requests: 1, withPayment: 0, served: 1 });
  });

  test('no payment: 402, body {}, PAYMENT-REQUIRED is base64 JSON of the v2 requirements', async () => {
    const r = await fetch(`${v2.url}/paid`);
    expect(r.status).toBe(402);
    expect(await r.json()).toEqual({});
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(b64json(r.headers.get('payment-required')!)).toEqual({
      x402Version: 2,
      error: 'Payment required',
      resource: { url: `${v2.url}/paid`, description: 'A paid report', mimeType: 'application/json' },
      accepts: [v2Accept('10000')],
    });
    expect(fac.calls).toHaveLength(0);
    expect(v2.count('/paid')).toEqual({ requests: 1, withPayment: 0, served: 0 });
  });

  test('a "$0.01" price becomes amount 10000 of Base Sepolia USDC', async () => {
    const r = await fetch(`${v2.url}/dollar`);
    expect(r.status).toBe(402);
    expect(b64json(r.headers.get('payment-required')!).accepts).toEqual([v2Accept('10000')]);
  });

  test('paid: 402, then 200 with the resource; one verified signature of the account for exactly 10000; PAYMENT-RESPONSE carries the fake tx hash', async () => {
    const t0 = now();
    const r = await payV2(`${v2.url}/paid`);
    const t1 = now();
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ report: 'the paid content' });

    // On the wire: the unpaid try, then the paid one.
    expect(wire.map((w) => w.status)).toEqual([402, 200]);
    expect(wire[0].requestHeaders['payment-signature']).toBeUndefined();
    const sent = b64json(wire[1].requestHeaders['payment-signature']);
    const auth = sent.payload.authorization;
    expect(sent).toEqual({
      x402Version: 2,
      payload: {
        authorization: {
          from: account.address,
          to: PAY_TO,
          value: '10000',
          validAfter: '0',
          validBefore: auth.validBefore,
          nonce: auth.nonce,
        },
        signature: sent.payload.signature,
      },
      resource: { url: `${v2.url}/paid`, description: 'A paid report', mimeType: 'application/json' },
      accepted: v2Accept('10000'),
    });
    expect(Number(auth.validBefore)).toBeGreaterThanOrEqual(t0 + 300);
    expect(Number(auth.validBefore)).toBeLessThanOrEqual(t1 + 300);
    expect(auth.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    expect(sent.payload.signature).toMatch(/^0x[0-9a-f]{130}$/);
    // The signature is exactly viem's signTypedData over the EIP-3009 typed data (RFC 6979: deterministic).
    expect(
      await account.signTypedData({
        domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: BASE_SEPOLIA_USDC },
        types: TRANSFER_WITH_AUTHORIZATION_TYPES,
        primaryType: 'TransferWithAuthorization',
        message: { from: account.address, to: PAY_TO, value: 10000n, validAfter: 0n, validBefore: BigInt(auth.validBefore), nonce: auth.nonce },
      }),
    ).toBe(sent.payload.signature);

    // The facilitator: one verify, one settle, both with the very payload and the route's requirements.
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    for (const c of fac.calls) {
      expect(c.body).toEqual({ x402Version: 2, paymentPayload: sent, paymentRequirements: v2Accept('10000') });
      expect(c).toMatchObject({ x402Version: 2, network: 'eip155:84532', chainId: 84532, amount: '10000', claimedPayer: account.address, recoveredPayer: account.address, signatureValid: true });
    }
    expect(fac.verifies[0].response).toEqual({ isValid: true, payer: account.address });
    const txHash = fakeTransactionHash(84532, account.address, auth.nonce);
    expect(txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(fac.settles[0].response).toEqual({ success: true, transaction: txHash, network: 'eip155:84532', payer: account.address });

    // The settlement header: the facilitator's answer, as @x402/core re-serialises it.
    expect(r.headers.get('x-payment-response')).toBeNull();
    expect(JSON.stringify(b64json(r.headers.get('payment-response')!))).toBe(
      JSON.stringify({ success: true, payer: account.address, transaction: txHash, network: 'eip155:84532' }),
    );
    expect(r.headers.get('cache-control')).toBe('private');
    expect(v2.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });
  });

  test('each route has its own payTo and amount', async () => {
    const r = await payV2(`${v2.url}/other-payee`);
    expect(r.status).toBe(200);
    const sent = b64json(wire[1].requestHeaders['payment-signature']);
    expect(sent.accepted).toEqual(v2Accept('2500', OTHER_PAY_TO));
    expect(sent.payload.authorization).toMatchObject({ to: OTHER_PAY_TO, value: '2500' });
    expect(fac.settles).toHaveLength(1);
    expect(fac.settles[0]).toMatchObject({ amount: '2500', signatureValid: true });
  });

  test('settle fails: 402, body {}, PAYMENT-RESPONSE with success:false and no PAYMENT-REQUIRED; the handler did run', async () => {
    fac.failSettle = true;
    const r = await payV2(`${v2.url}/paid`);
    expect(r.status).toBe(402);
    expect(await r.json()).toEqual({});
    expect(r.headers.get('payment-required')).toBeNull();
    expect(JSON.stringify(b64json(r.headers.get('payment-response')!))).toBe(
      JSON.stringify({ success: false, errorReason: 'invalid_exact_evm_transaction_failed', payer: account.address, transaction: '', network: 'eip155:84532' }),
    );
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    expect(fac.settles[0].signatureValid).toBe(true);
    expect(v2.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });
  });

  test('verify fails: 402 with a fresh PAYMENT-REQUIRED whose error is the facilitator reason; no settle, the handler never ran', async () => {
    fac.failVerify = true;
    const r = await payV2(`${v2.url}/paid`);
    expect(r.status).toBe(402);
    expect(await r.json()).toEqual({});
    expect(r.headers.get('payment-response')).toBeNull();
    expect(b64json(r.headers.get('payment-required')!)).toEqual({
      x402Version: 2,
      error: 'invalid_exact_evm_insufficient_balance',
      resource: { url: `${v2.url}/paid`, description: 'A paid report', mimeType: 'application/json' },
      accepts: [v2Accept('10000')],
    });
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
    expect(v2.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 0 });
  });

  test('a tampered payload: a changed payTo matches no requirement; a changed validBefore fails the signature check (invalid_exact_evm_signature)', async () => {
    await payV2(`${v2.url}/paid`);
    const sent = b64json(wire[1].requestHeaders['payment-signature']);
    fac.reset();
    const tampered = structuredClone(sent);
    tampered.payload.authorization.to = OTHER_PAY_TO;
    tampered.accepted.payTo = OTHER_PAY_TO;
    const r = await fetch(`${v2.url}/paid`, { headers: { 'PAYMENT-SIGNATURE': Buffer.from(JSON.stringify(tampered)).toString('base64') } });
    expect(r.status).toBe(402);
    // The middleware matches `accepted` against its own requirements first: a changed payTo is "no match".
    expect(b64json(r.headers.get('payment-required')!).error).toBe('No matching payment requirements');
    expect(fac.calls).toHaveLength(0);

    const forged = structuredClone(sent);
    forged.payload.authorization.validBefore = String(Number(sent.payload.authorization.validBefore) + 1);
    const r2 = await fetch(`${v2.url}/paid`, { headers: { 'PAYMENT-SIGNATURE': Buffer.from(JSON.stringify(forged)).toString('base64') } });
    expect(r2.status).toBe(402);
    expect(b64json(r2.headers.get('payment-required')!).error).toBe('invalid_exact_evm_signature');
    expect(fac.verifies).toHaveLength(1);
    expect(fac.verifies[0]).toMatchObject({ signatureValid: false, claimedPayer: account.address });
    expect(fac.verifies[0].recoveredPayer).not.toBe(account.address);
    expect(fac.settles).toHaveLength(0);
  });

  test('the same PAYMENT-SIGNATURE replayed: refused at verify (nonce already used), nothing settled twice', async () => {
    await payV2(`${v2.url}/paid`);
    const header = wire[1].requestHeaders['payment-signature'];
    const r = await fetch(`${v2.url}/paid`, { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(r.status).toBe(402);
    expect(r.headers.get('payment-response')).toBeNull();
    expect(b64json(r.headers.get('payment-required')!).error).toBe('invalid_exact_evm_nonce_already_used');
    expect(fac.calls.map((c) => [c.endpoint, c.response.isValid ?? c.response.success])).toEqual([
      ['verify', true],
      ['settle', true],
      ['verify', false],
    ]);
  });

  test('die before settle: the client gets a dropped connection; verified, never settled', async () => {
    const err = await payV2(`${v2.url}/die-before-settle`).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err.cause)).toMatch(/other side closed|socket hang up|ECONNRESET/);
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
    expect(v2.count('/die-before-settle')).toEqual({ requests: 2, withPayment: 1, served: 1 });
  });

  test('die after settle: the client gets a dropped connection; the payment WAS settled', async () => {
    const err = await payV2(`${v2.url}/die-after-settle`).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err.cause)).toMatch(/other side closed|socket hang up|ECONNRESET/);
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    expect(fac.settles[0].response.success).toBe(true);
  });

  test('handler answers 500: passed through, no settle, no PAYMENT-RESPONSE', async () => {
    const r = await payV2(`${v2.url}/fail-500`);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'resource handler failed' });
    expect(r.headers.get('payment-response')).toBeNull();
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
  });
});

describe('x402 v1: x402-express server, x402-fetch client', () => {
  test('free route: 200 with no payment and no facilitator call', async () => {
    const r = await payV1(`${v1.url}/free`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ free: true });
    expect(fac.calls).toHaveLength(0);
  });

  test('no payment: 402 with the v1 requirements in the JSON body, no x402 header', async () => {
    const r = await fetch(`${v1.url}/paid`);
    expect(r.status).toBe(402);
    expect(r.headers.get('payment-required')).toBeNull();
    expect(await r.json()).toEqual({
      x402Version: 1,
      error: 'X-PAYMENT header is required',
      accepts: [v1Accept('/paid', '10000', 'A paid report')],
    });
    const d = await fetch(`${v1.url}/dollar`);
    expect((await d.json()).accepts).toEqual([v1Accept('/dollar', '10000')]);
    expect(fac.calls).toHaveLength(0);
  });

  test('paid: 402, then 200 with the resource; one verified signature of the account for exactly 10000; X-PAYMENT-RESPONSE carries the fake tx hash', async () => {
    const t0 = now();
    const r = await payV1(`${v1.url}/paid`);
    const t1 = now();
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ report: 'the paid content' });

    expect(wire.map((w) => w.status)).toEqual([402, 200]);
    const sent = b64json(wire[1].requestHeaders['x-payment']);
    const auth = sent.payload.authorization;
    expect(JSON.stringify(sent)).toBe(
      JSON.stringify({
        x402Version: 1,
        scheme: 'exact',
        network: 'base-sepolia',
        payload: {
          signature: sent.payload.signature,
          authorization: { from: account.address, to: PAY_TO, value: '10000', validAfter: auth.validAfter, validBefore: auth.validBefore, nonce: auth.nonce },
        },
      }),
    );
    expect(Number(auth.validAfter)).toBeGreaterThanOrEqual(t0 - 600);
    expect(Number(auth.validAfter)).toBeLessThanOrEqual(t1 - 600);
    expect(Number(auth.validBefore)).toBeGreaterThanOrEqual(t0 + 60);
    expect(Number(auth.validBefore)).toBeLessThanOrEqual(t1 + 60);
    expect(auth.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    expect(
      await account.signTypedData({
        domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: BASE_SEPOLIA_USDC },
        types: TRANSFER_WITH_AUTHORIZATION_TYPES,
        primaryType: 'TransferWithAuthorization',
        message: { from: account.address, to: PAY_TO, value: 10000n, validAfter: BigInt(auth.validAfter), validBefore: BigInt(auth.validBefore), nonce: auth.nonce },
      }),
    ).toBe(sent.payload.signature);

    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    for (const c of fac.calls) {
      expect(c.body).toEqual({ x402Version: 1, paymentPayload: sent, paymentRequirements: v1Accept('/paid', '10000', 'A paid report') });
      expect(c).toMatchObject({ x402Version: 1, network: 'base-sepolia', chainId: 84532, amount: '10000', claimedPayer: account.address, recoveredPayer: account.address, signatureValid: true });
    }
    const txHash = fakeTransactionHash(84532, account.address, auth.nonce);
    expect(fac.settles[0].response).toEqual({ success: true, transaction: txHash, network: 'base-sepolia', payer: account.address });
    // x402-express passes the facilitator's answer through verbatim.
    expect(r.headers.get('payment-response')).toBeNull();
    expect(JSON.stringify(b64json(r.headers.get('x-payment-response')!))).toBe(
      JSON.stringify({ success: true, transaction: txHash, network: 'base-sepolia', payer: account.address }),
    );
    expect(v1.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });
  });

  test('each route has its own payTo and amount (one x402-express middleware per payTo)', async () => {
    const r = await payV1(`${v1.url}/other-payee`);
    expect(r.status).toBe(200);
    const sent = b64json(wire[1].requestHeaders['x-payment']);
    expect(sent.payload.authorization).toMatchObject({ to: OTHER_PAY_TO, value: '2500' });
    expect(fac.settles).toHaveLength(1);
    expect(fac.settles[0]).toMatchObject({ amount: '2500', signatureValid: true });
  });

  test('settle fails: 402 with the v1 body, error = the facilitator reason; no X-PAYMENT-RESPONSE; the handler did run', async () => {
    fac.failSettle = true;
    const r = await payV1(`${v1.url}/paid`);
    expect(r.status).toBe(402);
    expect(r.headers.get('x-payment-response')).toBeNull();
    expect(await r.json()).toEqual({ x402Version: 1, error: 'invalid_transaction_state', accepts: [v1Accept('/paid', '10000', 'A paid report')] });
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    expect(v1.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 1 });
  });

  test('verify fails: 402 with the v1 body, error = the facilitator reason, and payer; no settle', async () => {
    fac.failVerify = true;
    const r = await payV1(`${v1.url}/paid`);
    expect(r.status).toBe(402);
    expect(await r.json()).toEqual({
      x402Version: 1,
      error: 'insufficient_funds',
      accepts: [v1Accept('/paid', '10000', 'A paid report')],
      payer: account.address,
    });
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
    expect(v1.count('/paid')).toEqual({ requests: 2, withPayment: 1, served: 0 });
  });

  test('the same X-PAYMENT replayed: v1 verify passes (no simulation), the settle is refused, the buyer gets 402', async () => {
    await payV1(`${v1.url}/paid`);
    const header = wire[1].requestHeaders['x-payment'];
    const r = await fetch(`${v1.url}/paid`, { headers: { 'X-PAYMENT': header } });
    expect(r.status).toBe(402);
    expect((await r.json()).error).toBe('invalid_transaction_state');
    expect(fac.calls.map((c) => [c.endpoint, c.response.isValid ?? c.response.success])).toEqual([
      ['verify', true],
      ['settle', true],
      ['verify', true],
      ['settle', false],
    ]);
  });

  test('a forged payload is refused by the facilitator: invalid_exact_evm_payload_signature', async () => {
    await payV1(`${v1.url}/paid`);
    const sent = b64json(wire[1].requestHeaders['x-payment']);
    fac.reset();
    sent.payload.authorization.validBefore = String(Number(sent.payload.authorization.validBefore) + 1);
    const r = await fetch(`${v1.url}/paid`, { headers: { 'X-PAYMENT': Buffer.from(JSON.stringify(sent)).toString('base64') } });
    expect(r.status).toBe(402);
    expect((await r.json()).error).toBe('invalid_exact_evm_payload_signature');
    expect(fac.calls.map((c) => [c.endpoint, c.signatureValid])).toEqual([['verify', false]]);
  });

  test('die before settle / die after settle / 500: as for v2', async () => {
    const e1 = await payV1(`${v1.url}/die-before-settle`).then(() => undefined, (e) => e);
    expect(e1).toBeInstanceOf(TypeError);
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
    fac.reset();
    const e2 = await payV1(`${v1.url}/die-after-settle`).then(() => undefined, (e) => e);
    expect(e2).toBeInstanceOf(TypeError);
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify', 'settle']);
    expect(fac.settles[0].response.success).toBe(true);
    fac.reset();
    const r = await payV1(`${v1.url}/fail-500`);
    expect(r.status).toBe(500);
    expect(r.headers.get('x-payment-response')).toBeNull();
    expect(fac.calls.map((c) => c.endpoint)).toEqual(['verify']);
  });

  test('the v2 client (@x402/fetch) also pays the v1 server, with the same X-PAYMENT shape', async () => {
    const r = await payV2(`${v1.url}/paid`);
    expect(r.status).toBe(200);
    const sent = b64json(wire[1].requestHeaders['x-payment']);
    expect(Object.keys(sent)).toEqual(['x402Version', 'scheme', 'network', 'payload']);
    expect(Object.keys(sent.payload)).toEqual(['authorization', 'signature']);
    expect(fac.calls.map((c) => [c.endpoint, c.x402Version, c.signatureValid])).toEqual([
      ['verify', 1, true],
      ['settle', 1, true],
    ]);
  });
});

describe('EIP-3009 test vector (fixtures/x402_vector.ts) for the C++ signer', () => {
  test('viem computes exactly these values', async () => {
    expect(await computeVector()).toEqual({
      address: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
      typeHashes: {
        EIP712Domain: '0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f',
        TransferWithAuthorization: '0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267',
      },
      hashDomain: '0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818',
      hashStruct: '0xa40636f3a7544327575be388851ce8a69df9bf1b75f8f2d5a58a84055c06f70f',
      hashTypedData: '0x085bf94da27b3d28634f95a48e3d4d8d658c1cbc3b81a5ad8249e9676a923d08',
      signature:
        '0xf673f7b57c86f01c5e570850b2b104dd8abf6fb7c53d25d84842973c0dfb46de6b8b73ff3fdf5cee12fe930754da54a7ae2d6b38299d2788ae656b23068fb4461c',
      r: '0xf673f7b57c86f01c5e570850b2b104dd8abf6fb7c53d25d84842973c0dfb46de',
      s: '0x6b8b73ff3fdf5cee12fe930754da54a7ae2d6b38299d2788ae656b23068fb446',
      v: 28,
      recovered: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
      verified: true,
    });
  });
});

describe('network guard', () => {
  test('no socket of this process looked up or connected to anything but the loopback', () => {
    expect(guard.sockets).toBeGreaterThan(0);
    expect(guard.foreign).toEqual([]);
  });
});

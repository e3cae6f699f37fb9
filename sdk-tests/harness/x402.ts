// What the x402 tests share: the payer and the payee, the wallet every tenant gets, the requirements
// the fixtures answer (v2 and v1 over HTTP, the PaymentRequired and settlement of the MCP tools), a
// `stub serve` that pays (signer `ops` from a chmod-600 key file), a tenant with a wallet, a log of
// every answer for the "no key leaks" checks, the facilitator's and the books' view of a payment or a
// refusal, and a guard that lists every socket of the process leaving the loopback.
import dc from 'node:diagnostics_channel';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { BASE_SEPOLIA_USDC, fakeTransactionHash, type Authorization, type FacilitatorCall, type X402Facilitator } from '../fixtures/x402_facilitator.ts';
import { PAYMENT_REQUIRED_ERROR, type PaidTool } from '../fixtures/x402_mcp_server.ts';
import { startStub, type ApiAnswer, type Org, type StubServer } from './stub.ts';
import { micro } from './money.ts';
import { agentLimit, settledHold, spend } from './gateway.ts';

// ---- the payer, the payee, the wallet ------------------------------------------------------------
/** The payer's private key (the EIP-3009 vector's); no answer and no server output may contain it. */
export const PAYER_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
/** PAYER_KEY's address. */
export const PAYER = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
/** Where every paid route and tool sends the money. */
export const PAY_TO = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C' as const;
/** An asset no wallet has a rate for. */
export const OTHER_ASSET = '0x1111111111111111111111111111111111111111';

/** The wallet every tenant gets unless told otherwise: Base Sepolia USDC at 1 org unit per token. */
export const WALLET = {
  signer: 'ops',
  networks: ['eip155:84532', 'base-sepolia'],
  assets: { [BASE_SEPOLIA_USDC]: { decimals: 6, rate: '1' } },
};

// ---- what the fixtures answer ---------------------------------------------------------------------
/** The v2 requirement @x402/express (and @x402/core) answers for a price of `amount` to `payTo`. */
export const v2Accept = (amount = '10000', payTo: string = PAY_TO) => ({
  scheme: 'exact',
  network: 'eip155:84532',
  amount,
  asset: BASE_SEPOLIA_USDC,
  payTo,
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
});

/** The v1 requirement x402-express answers for the route at `resource` (its full URL). */
export const v1AcceptAt = (resource: string, amount = '10000', description = '') => ({
  scheme: 'exact',
  network: 'base-sepolia',
  maxAmountRequired: amount,
  resource,
  description,
  mimeType: 'application/json',
  payTo: PAY_TO,
  maxTimeoutSeconds: 60,
  asset: BASE_SEPOLIA_USDC,
  outputSchema: { input: { type: 'http', method: 'GET', discoverable: true } },
  extra: { name: 'USDC', version: '2' },
});

/** The requirement @x402/core builds for an MCP tool priced 10000 (or $0.01) to PAY_TO. */
export const ACCEPT = v2Accept();

/** The PaymentRequired the MCP fixture answers for `tool`. */
export const paymentRequired = (tool: string, error = PAYMENT_REQUIRED_ERROR, description = `Tool: ${tool}`) => ({
  x402Version: 2,
  error,
  resource: { url: `mcp://tool/${tool}`, description, mimeType: 'application/json' },
  accepts: [ACCEPT],
});

/** The settlement of PAYER's payment `nonce`: the facilitator's answer, and what the MCP fixture puts in the paid result's _meta. */
export const settlement = (nonce: string) => ({ success: true, transaction: fakeTransactionHash(84532, PAYER, nonce), network: 'eip155:84532', payer: PAYER });

/** The MCP fixture's tools that ask for payment in the forms other than the spec's, or break, each priced 10000 to PAY_TO. */
export const OTHER_FORM_TOOLS: PaidTool[] = [
  { name: 'paid_wrapped', price: '10000', payTo: PAY_TO, behavior: 'wrapped' },
  { name: 'paid_text', price: '10000', payTo: PAY_TO, behavior: 'text-only' },
  { name: 'paid_rpc', price: '10000', payTo: PAY_TO, behavior: 'rpc-error' },
  { name: 'paid_malformed', price: '10000', payTo: PAY_TO, behavior: 'malformed' },
  { name: 'paid_die', price: '10000', payTo: PAY_TO, behavior: 'die-after-settle' },
];

/** JSON.parse of base64 (an x402 header). */
export const b64json = (s: string | undefined) => JSON.parse(Buffer.from(String(s), 'base64').toString('utf8'));

/** Unix time in seconds. */
export const now = () => Math.floor(Date.now() / 1000);

// ---- Stub as the payer ----------------------------------------------------------------------------
/**
 * A `stub serve` that pays: signer `ops` from a key file holding PAYER_KEY (chmod 600, in a new
 * temporary directory named from `keyDirPrefix`), and `--allow-private-fetch` (the fixtures listen
 * on 127.0.0.1). The caller removes `keyDir` once the server is stopped.
 */
export async function startPayingStub(keyDirPrefix: string): Promise<{ stub: StubServer; keyDir: string }> {
  const keyDir = mkdtempSync(path.join(tmpdir(), keyDirPrefix));
  try {
    const keyFile = path.join(keyDir, 'ops.key');
    writeFileSync(keyFile, PAYER_KEY + '\n', { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const stub = await startStub({ args: ['--signer', `ops=${keyFile}`, '--allow-private-fetch'] });
    return { stub, keyDir };
  } catch (e) {
    rmSync(keyDir, { recursive: true, force: true });
    throw e;
  }
}

/** Adds an answer to a file's log and returns it unchanged. */
export type Recorder = (a: ApiAnswer) => ApiAnswer;

/** A file's log of every answer (status, headers, body) it saw, for the "no key leaks" check. */
export function answerLog(): { answers: string[]; record: Recorder } {
  const answers: string[] = [];
  const record = (a: ApiAnswer) => {
    answers.push(`${a.status}\n${[...a.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${a.text}`);
    return a;
  };
  return { answers, record };
}

/** An org with wallet `main` (or none), agent a1's key, the server it is on, and where its answers are logged. */
export interface Tenant {
  org: Org;
  agentKey: string;
  stub: StubServer;
  record: Recorder;
}

/** What a tenant may differ in: a1's month limit (1.00 by default) and the wallet (WALLET by default, none if null). */
export interface TenantOptions {
  limit?: string;
  wallet?: Record<string, unknown> | null;
}

/** A fresh org on `stub`: team t1, agent a1 with `limit` a month, its key, and wallet `main` (unless null). */
export async function walletTenant(stub: StubServer, record: Recorder, opts: TenantOptions = {}): Promise<Tenant> {
  const org = await stub.newOrg();
  await org.putTeam('t1');
  await org.putAgent('a1', 't1', [{ amount: opts.limit ?? '1.00', period: 'month' }]);
  const agentKey = await org.agentKey('a1');
  if (opts.wallet !== null) {
    const put = record(await org.api('PUT', '/v1/wallets/main', opts.wallet ?? WALLET));
    if (put.status !== 201) throw new Error(`PUT /v1/wallets/main → ${put.status} ${put.text}`);
  }
  return { org, agentKey, stub, record };
}

// ---- the facilitator and the books ----------------------------------------------------------------
/**
 * Asserts `fac` saw exactly `endpoints`, each with the wallet's valid signature of one authorization
 * for exactly 10000 to PAY_TO, over `requirements`, and whatever `each` checks of a call. Returns the
 * authorization.
 */
export function expectPaidAtFacilitator(
  fac: X402Facilitator,
  version: 1 | 2,
  requirements: unknown,
  endpoints: Array<'verify' | 'settle'>,
  each?: (c: FacilitatorCall, auth: Authorization) => void,
): Authorization {
  expect(fac.calls.map((c) => c.endpoint)).toEqual(endpoints);
  const auth = fac.calls[0].authorization!;
  for (const c of fac.calls) {
    expect(c).toMatchObject({
      x402Version: version,
      network: version === 2 ? 'eip155:84532' : 'base-sepolia',
      chainId: 84532,
      amount: '10000',
      claimedPayer: PAYER,
      recoveredPayer: PAYER,
      signatureValid: true,
    });
    expect(c.paymentRequirements).toEqual(requirements);
    expect(c.authorization).toEqual({ from: PAYER, to: PAY_TO, value: '10000', validAfter: auth.validAfter, validBefore: auth.validBefore, nonce: auth.nonce });
    each?.(c, auth);
  }
  expect(fac.verifies[0].response).toEqual({ isValid: true, payer: PAYER });
  return auth;
}

/**
 * The receipt's x402 part Stub writes for a payment of 10000 to PAY_TO by wallet `main`, before the
 * outcome fields (settled, transaction, refused, unsettled_reason).
 */
export function x402Receipt(
  version: 1 | 2,
  auth: { nonce: string; validAfter: string; validBefore: string },
  where: { resource: string; url: string; description: string },
) {
  return {
    scheme: 'exact',
    network: version === 2 ? 'eip155:84532' : 'base-sepolia',
    asset: BASE_SEPOLIA_USDC,
    pay_to: PAY_TO,
    amount_atomic: '10000',
    payer: PAYER,
    nonce: auth.nonce,
    valid_after: Number(auth.validAfter),
    valid_before: Number(auth.validBefore),
    x402_version: version,
    resource: where.resource,
    url: where.url,
    description: where.description,
    wallet: 'main',
  };
}

/** Agent a1's spends (GET /v1/spends?agent=a1 plus `query`, e.g. "&status=approved"). */
export async function spends(t: Tenant, query = ''): Promise<any[]> {
  const r = t.record(await t.org.api('GET', `/v1/spends?agent=a1${query}`));
  expect(r.status).toBe(200);
  return r.body.items;
}

/** Nothing held, nothing spent, no approved spend: what every refusal must leave behind. */
export async function expectNoMoneyMoved(t: Tenant) {
  const l = await agentLimit(t.org, 'a1');
  expect(l.raw.held).toBe('0');
  expect(l.raw.spent).toBe('0');
  expect(await spends(t, '&status=approved')).toEqual([]);
}

/** A limit or policy denial is recorded (as every denial is), and only that: no hold, no approved spend. */
export async function expectDenialRecorded(t: Tenant, r: ApiAnswer, reason: string) {
  const items = await spends(t);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ id: r.body.outcome.id, status: 'denied', reason, agent: 'a1', amount: '0.01', vendor: '127.0.0.1', category: 'x402' });
}

/** The hold captured for exactly 0.01, its spend (vendor 127.0.0.1, category x402, receipt), the budget; returns the spend. */
export async function expectBooked(t: Tenant, answer: any, payment: unknown) {
  const h = await settledHold(t.org, answer.hold_id);
  expect(h).toMatchObject({ id: answer.hold_id, status: 'captured', spend_id: answer.spend_id });
  expect(micro(h.captured)).toBe(10_000n);
  const s = await spend(t.org, answer.spend_id);
  expect(s).toMatchObject({ id: answer.spend_id, status: 'approved', agent: 'a1', vendor: '127.0.0.1', category: 'x402' });
  expect(micro(s.amount)).toBe(10_000n);
  expect(s.receipt).toEqual({ x402: payment });
  const l = await agentLimit(t.org, 'a1');
  expect(l.spent).toBe(10_000n);
  expect(l.held).toBe(0n);
  return s;
}

// ---- network guard --------------------------------------------------------------------------------
/**
 * Watches every client socket of this process (diagnostics_channel 'net.client.socket'): a lookup of
 * anything but localhost or a loopback address, or a connection to a non-loopback address, is listed
 * in `foreign`; `sockets` counts the sockets seen. `stop()` unsubscribes.
 */
export function loopbackGuard() {
  const loopbackIp = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip === '::ffff:127.0.0.1';
  const guard = {
    foreign: [] as string[],
    sockets: 0,
    stop: () => dc.unsubscribe('net.client.socket', onClientSocket),
  };
  const onClientSocket = ({ socket }: any) => {
    guard.sockets++;
    socket.on('connectionAttempt', (ip: string, port: number) => {
      if (!loopbackIp(ip)) guard.foreign.push(`connect ${ip}:${port}`);
    });
    socket.on('lookup', (_err: unknown, _addr: unknown, _family: unknown, host: string) => {
      if (host !== 'localhost' && !loopbackIp(host)) guard.foreign.push(`lookup ${host}`);
    });
  };
  dc.subscribe('net.client.socket', onClientSocket);
  return guard;
}

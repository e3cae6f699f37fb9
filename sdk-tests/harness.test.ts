// The harness works on its own (without the gateway): a real `stub serve` starts, the helpers build
// a tenant through the API, an agent key spends, the secrets stay out of the server's output, and
// stop() ends the process and removes its temporary directory.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { startStub, type StubServer } from './harness/stub.ts';
import { decimal, llmCostMicro, micro } from './harness/money.ts';

let stub: StubServer;
beforeAll(async () => {
  stub = await startStub();
});
afterAll(async () => {
  await stub?.stop();
});

test('money helpers: decimals as micro-units, the contract\'s rounding', () => {
  expect(micro('0.00075')).toBe(750n);
  expect(micro('12')).toBe(12_000_000n);
  expect(decimal(750n)).toBe('0.00075');
  expect(decimal(0n)).toBe('0');
  expect(decimal(1_500_000n)).toBe('1.5');
  expect(() => micro('1.0000001')).toThrow();
  expect(llmCostMicro({ input: '2.50', output: '10.00' }, { uncached: 100, cached: 0, output: 50 })).toBe(750n);
  expect(llmCostMicro({ input: '0.10', output: '0' }, { uncached: 64, cached: 0, output: 0 })).toBe(7n);
});

test('a tenant through the API, an agent spend, a policy', async () => {
  expect((await fetch(`${stub.url}/healthz`)).status).toBe(200);
  const org = await stub.newOrg();
  await org.putTeam('t1');
  await org.putAgent('a1', 't1', [{ amount: '1.00', period: 'month' }]);
  const key = await org.agentKey('a1');
  const ok = await stub.api(key, 'POST', '/v1/spends', { amount: '0.25', vendor: 'api.example.com', idempotency_key: 'k1' });
  expect(ok.status).toBe(201);
  expect(ok.body.status).toBe('approved');
  const over = await stub.api(key, 'POST', '/v1/spends', { amount: '0.80', vendor: 'api.example.com', idempotency_key: 'k2' });
  expect(over.status).toBe(402);
  expect(over.body.reason).toBe('budget_exceeded');
  const b = await org.ok('GET', '/v1/budgets/a1');
  expect(micro(b.limits[0].spent)).toBe(250_000n);
  await org.putPolicy(org.id, { vendors: { block: ['api.example.com'] } });
  const blocked = await stub.api(key, 'POST', '/v1/spends', { amount: '0.01', vendor: 'api.example.com', idempotency_key: 'k3' });
  expect(blocked.status).toBe(402);
  expect(blocked.body.reason).toBe('vendor_blocked');
  expect(stub.output()).toMatch(/Listening on/);
  for (const secret of [stub.rootKey, stub.secretKey, org.adminKey, key]) expect(stub.output().includes(secret)).toBe(false);
});

test('stop() ends the server and removes its files', async () => {
  const s = await startStub();
  const dir = (s as any).dir as string;
  expect(existsSync(dir)).toBe(true);
  await s.stop();
  expect(existsSync(dir)).toBe(false);
  await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
});

// Issue 21 acceptance, MCP side: the official `@modelcontextprotocol/sdk` client, unmodified, against
// a real `stub serve`, over both transports: Streamable HTTP (`POST /mcp` with the key as a Bearer
// token) and stdio (`stub mcp --url …` with $STUB_AGENT_KEY). Each transport gets its own org, an
// agent `a1` with a 10.00 month limit, and runs the same sequence: every tool with exact amounts,
// denials and API errors as tool errors (never protocol errors) with the Stub reason code, `ask`
// for finance keys only, the resources, and a wrong key refused.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startStub, stubBinary, type Org, type StubServer } from './harness/stub.ts';
import { decimal, micro } from './harness/money.ts';

type Transport = 'streamable-http' | 'stdio';

let stub: StubServer;
const clients: Client[] = [];
/** What each `stub mcp` child printed on stderr (its logs), by the key it ran as. */
const stdioLogs: { key: string; text: () => string }[] = [];

beforeAll(async () => {
  stub = await startStub();
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await stub?.stop();
});

/** An MCP client connected to Stub as `key` over `transport`. */
async function connect(transport: Transport, key: string): Promise<Client> {
  const client = new Client({ name: 'stub-sdk-tests', version: '0.1.0' });
  if (transport === 'streamable-http') {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(stub.url + '/mcp'), {
        requestInit: { headers: { Authorization: 'Bearer ' + key } },
      }),
    );
  } else {
    const t = new StdioClientTransport({
      command: stubBinary(),
      args: ['mcp', '--url', stub.url],
      env: { ...process.env, STUB_AGENT_KEY: key } as Record<string, string>,
      stderr: 'pipe',
    });
    let err = '';
    t.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    stdioLogs.push({ key, text: () => err });
    await client.connect(t);
  }
  clients.push(client);
  return client;
}

/** A tool call's result, with the shape every Stub tool answers: one text line and structured JSON. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r: any = await client.callTool({ name, arguments: args });
  expect(r.content).toHaveLength(1);
  expect(r.content[0].type).toBe('text');
  expect(typeof r.content[0].text).toBe('string');
  expect(r.structuredContent).toBeTypeOf('object');
  return r;
}

const VENDOR = 'api.dataco.com';

describe.each<Transport>(['streamable-http', 'stdio'])('MCP over %s', (transport) => {
  let org: Org;
  let agentKey: string;
  let financeKey: string;
  let agent: Client;
  // Filled in as the sequence runs.
  let spendId = '';
  let captureId = '';
  let denialId = '';

  beforeAll(async () => {
    org = await stub.newOrg();
    await org.putTeam('t1');
    await org.putAgent('a1', 't1', [{ amount: '10.00', period: 'month' }]);
    agentKey = await org.agentKey('a1');
    const f = await org.ok('POST', '/v1/keys', { role: 'finance' });
    financeKey = f.key;
    agent = await connect(transport, agentKey);
  });

  test('listTools: exactly the ten tools, each with an object input schema', async () => {
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'get_budget', 'request_spend', 'hold', 'capture', 'void', 'list_my_spends', 'explain_denial', 'pay_and_fetch', 'pay_and_call_tool', 'ask',
    ]);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.description).toBeTruthy();
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.request_spend.inputSchema.required).toEqual(['amount', 'vendor']);
    expect(byName.capture.inputSchema.required).toEqual(['hold_id', 'amount']);
  });

  test('get_budget: the agent\'s month limit is all there is', async () => {
    const r = await call(agent, 'get_budget');
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.id).toBe('a1');
    expect(r.structuredContent.effective_remaining).toBe('10');
    expect(r.structuredContent.binding).toEqual({ node: 'a1', period: 'month' });
    expect(r.content[0].text).toMatch(/^10 left; bound by .*a1's month limit$/);
  });

  test('request_spend approves 2.5, then get_budget says 7.5', async () => {
    const r = await call(agent, 'request_spend', { amount: '2.5', vendor: VENDOR, idempotency_key: 'k1' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.status).toBe('approved');
    expect(r.structuredContent.amount).toBe('2.5');
    expect(r.structuredContent.effective_remaining).toBe('7.5');
    spendId = r.structuredContent.id;
    expect(spendId).toBeTruthy();
    expect(r.content[0].text).toBe(`approved 2.5 at ${VENDOR} (spend ${spendId}); 7.5 left`);
    // The same idempotency key is the same spend, not a second one.
    const again = await call(agent, 'request_spend', { amount: '2.5', vendor: VENDOR, idempotency_key: 'k1' });
    expect(again.structuredContent.id).toBe(spendId);
    const b = await call(agent, 'get_budget');
    expect(b.structuredContent.effective_remaining).toBe('7.5');
  });

  test('request_spend over the limit is a tool error with budget_exceeded, not a protocol error', async () => {
    const r = await call(agent, 'request_spend', { amount: '8', vendor: VENDOR, idempotency_key: 'k2' });
    expect(r.isError).toBe(true);
    expect(r.structuredContent.reason).toBe('budget_exceeded');
    expect(r.structuredContent.status).toBe('denied');
    expect(r.structuredContent.node).toBe('a1');
    expect(r.structuredContent.period).toBe('month');
    expect(r.structuredContent.limit).toBe('10');
    expect(r.structuredContent.used).toBe('2.5');
    expect(r.content[0].text.startsWith('budget_exceeded')).toBe(true);
    expect(r.content[0].text).toBe('budget_exceeded: ' + r.structuredContent.message);
    denialId = r.structuredContent.id;
    expect(denialId).toBeTruthy();
    // Nothing was spent.
    expect((await call(agent, 'get_budget')).structuredContent.effective_remaining).toBe('7.5');
  });

  test('hold → capture less; hold → void; void again is hold_not_pending', async () => {
    const h = await call(agent, 'hold', { amount: '3', vendor: VENDOR, idempotency_key: 'h1' });
    expect(h.isError).toBeFalsy();
    expect(h.structuredContent.status).toBe('held');
    expect(h.structuredContent.amount).toBe('3');
    const holdId = h.structuredContent.id;
    expect((await call(agent, 'get_budget')).structuredContent.effective_remaining).toBe('4.5');

    const c = await call(agent, 'capture', { hold_id: holdId, amount: '1.25' });
    expect(c.isError).toBeFalsy();
    expect(c.structuredContent.status).toBe('approved');
    expect(c.structuredContent.amount).toBe('1.25');
    expect(c.structuredContent.effective_remaining).toBe('6.25');
    captureId = c.structuredContent.id;

    const h2 = await call(agent, 'hold', { amount: '1', vendor: VENDOR, idempotency_key: 'h2' });
    expect(h2.structuredContent.status).toBe('held');
    const hold2 = h2.structuredContent.id;
    const v = await call(agent, 'void', { hold_id: hold2 });
    expect(v.isError).toBeFalsy();
    expect(v.structuredContent).toEqual({ id: hold2, status: 'voided' });
    expect(v.content[0].text).toBe(`voided hold ${hold2}`);
    const again = await call(agent, 'void', { hold_id: hold2 });
    expect(again.isError).toBe(true);
    expect(again.structuredContent.reason).toBe('hold_not_pending');
    expect(again.content[0].text.startsWith('hold_not_pending: ')).toBe(true);

    expect((await call(agent, 'get_budget')).structuredContent.effective_remaining).toBe('6.25');
  });

  test('list_my_spends: the two approved spends and the denial, exactly', async () => {
    const r = await call(agent, 'list_my_spends');
    expect(r.isError).toBeFalsy();
    const items: any[] = r.structuredContent.items;
    const seen = items
      .map((i) => ({ id: i.id, amount: i.amount, status: i.status, agent: i.agent }))
      .sort((a, b) => (micro(a.amount) < micro(b.amount) ? -1 : 1));
    expect(seen).toEqual([
      { id: captureId, amount: '1.25', status: 'approved', agent: 'a1' },
      { id: spendId, amount: '2.5', status: 'approved', agent: 'a1' },
      { id: denialId, amount: '8', status: 'denied', agent: 'a1' },
    ]);
    expect(r.content[0].text).toBe('3 spends (2 approved, 1 denied)');
    const approved = items.filter((i) => i.status === 'approved').reduce((s, i) => s + micro(i.amount), 0n);
    expect(decimal(approved)).toBe('3.75');
    const denied = await call(agent, 'list_my_spends', { status: 'denied' });
    expect(denied.structuredContent.items.map((i: any) => i.id)).toEqual([denialId]);
  });

  test('explain_denial: why, and what would allow it; an approved spend is not_denied', async () => {
    const r = await call(agent, 'explain_denial', { spend_id: denialId });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.spend_id).toBe(denialId);
    expect(r.structuredContent.reason).toBe('budget_exceeded');
    expect(r.structuredContent.amount).toBe('8');
    expect(r.structuredContent.node).toBe('a1');
    expect(r.structuredContent.period).toBe('month');
    expect(r.structuredContent.fits_at_most).toBe('6.25');
    expect(typeof r.structuredContent.what_would_allow_it).toBe('string');
    expect(r.structuredContent.what_would_allow_it).toContain('a spend of at most 6.25 fits');
    expect(r.content[0].text.startsWith('budget_exceeded: ')).toBe(true);

    const ok = await call(agent, 'explain_denial', { spend_id: spendId });
    expect(ok.isError).toBe(true);
    expect(ok.structuredContent.reason).toBe('not_denied');
    const none = await call(agent, 'explain_denial', { spend_id: 'sp_nope' });
    expect(none.isError).toBe(true);
    expect(none.structuredContent.reason).toBe('not_found');
  });

  test('ask: forbidden for an agent key, answered for a finance key', async () => {
    const r = await call(agent, 'ask', { question: 'how much did we spend this month?' });
    expect(r.isError).toBe(true);
    expect(r.structuredContent.reason).toBe('forbidden');
    expect(r.content[0].text.startsWith('forbidden: ')).toBe(true);

    const finance = await connect(transport, financeKey);
    const a = await call(finance, 'ask', { question: 'how much did we spend this month?' });
    expect(a.isError).toBeFalsy();
    expect(typeof a.structuredContent.answer).toBe('string');
    expect(a.structuredContent.answer.length).toBeGreaterThan(0);
    expect(a.structuredContent.total).toBe('3.75');
    expect(a.content[0].text).toBe(a.structuredContent.answer);
  });

  test('bad arguments are tool errors too', async () => {
    const r = await call(agent, 'request_spend', { vendor: VENDOR });
    expect(r.isError).toBe(true);
    expect(r.structuredContent.reason).toBe('invalid_request');
    expect(r.structuredContent.message).toBe("argument 'amount' is required");
  });

  test('resources: stub://budget and stub://policy, readable as JSON', async () => {
    const { resources } = await agent.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain('stub://budget');
    expect(uris).toContain('stub://policy');

    const budget = await agent.readResource({ uri: 'stub://budget' });
    expect(budget.contents).toHaveLength(1);
    const c: any = budget.contents[0];
    expect(c.uri).toBe('stub://budget');
    expect(c.mimeType).toBe('application/json');
    const b = JSON.parse(c.text);
    expect(b.id).toBe('a1');
    expect(b.effective_remaining).toBe('6.25');

    await org.putPolicy('a1', { max_per_spend: '5.00' });
    const policy: any = (await agent.readResource({ uri: 'stub://policy' })).contents[0];
    expect(policy.mimeType).toBe('application/json');
    const p = JSON.parse(policy.text);
    expect(p.node).toBe('a1');
    expect(p.policy.max_per_spend).toBe('5');
  });
});

test('Streamable HTTP: a wrong key is refused at connect() (401)', async () => {
  for (const key of ['stub_live_not_a_key', '']) {
    const client = new Client({ name: 'stub-sdk-tests', version: '0.1.0' });
    const transport = new StreamableHTTPClientTransport(new URL(stub.url + '/mcp'), {
      requestInit: { headers: key ? { Authorization: 'Bearer ' + key } : {} },
    });
    let err: any;
    await client.connect(transport).catch((e) => (err = e));
    expect(err, `connect() with key ${JSON.stringify(key)} succeeded`).toBeDefined();
    expect(err.code).toBe(401);
    await client.close().catch(() => undefined);
  }
});

test('stdio: the key never reaches stub mcp\'s logs, nor stub serve\'s', () => {
  expect(stdioLogs.length).toBeGreaterThan(0);
  for (const l of stdioLogs) expect(l.text().includes(l.key)).toBe(false);
  for (const l of stdioLogs) expect(stub.output().includes(l.key)).toBe(false);
});

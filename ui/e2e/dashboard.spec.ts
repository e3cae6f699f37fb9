import { expect, test } from '@playwright/test';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { axe, call, env, here, open, shot, signIn, spend } from './helpers';
import { formatMoney } from '../src/lib/money';

test.describe.configure({ mode: 'serial' });

const ROOT = 'acme';

// First: the link expires 10 minutes after the server printed it.
test("the demo's single-use sign-in link signs in once, off the address bar, then asks for a new link", async ({ page }) => {
  test.skip(env.viaVite, 'needs the server-side session');
  const link = env.signinLink;
  expect(link).toMatch(new RegExp(`^${env.api.replace(/[.]/g, '\\.')}/#signin=stub_link_[0-9a-f]{64}$`));
  expect(link).not.toContain(env.admin);
  await page.goto(link);
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('· admin')).toBeVisible();
  await expect(page.getByRole('region', { name: new RegExp(`^${ROOT} \\w+ limit$`) }).first()).toBeVisible();
  // The token left the address bar and the history entry at once.
  expect(page.url()).toBe(`${env.api}/#/overview`);
  expect(await page.evaluate(() => location.href)).not.toContain('signin');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'stub_session');
  expect(cookie?.httpOnly).toBe(true);

  // Used once: signed out, the same link gets the server's sentence on the sign-in page.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.goto('about:blank');
  await page.goto(link);
  await expect(page.getByRole('alert')).toHaveText(
    'This sign-in link was already used, has expired or is unknown: ask for a new link (restart `stub serve --demo`) or paste an API key.',
  );
  await expect(page.getByRole('textbox', { name: 'API key' })).toBeVisible();
  expect(page.url()).not.toContain('signin');
  const again = await fetch(`${env.api}/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ link: link.split('#signin=')[1] }) });
  expect(again.status).toBe(401);
  // Pasting the key still works from there.
  await page.getByRole('textbox', { name: 'API key' }).fill(env.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('· admin')).toBeVisible();
});

test('each role signs in; an agent key and an unknown key are refused with a sentence', async ({ page }) => {
  test.skip(env.viaVite, 'needs the server-side session');
  for (const [role, key] of [['admin', env.admin], ['finance', env.finance], ['approver', env.approver]] as const) {
    await signIn(page, key);
    await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeVisible();
    for (const name of ['Budgets', 'Live', 'Spends', 'Approvals', 'Policies', 'Ask', 'Audit']) await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Keys', exact: true })).toHaveCount(role === 'admin' ? 1 : 0);
    await expect(page.getByRole('button', { name: /^(Engage|Release) kill-switch$/ })).toHaveCount(role === 'admin' ? 1 : 0);
    await expect(page.getByText(`· ${role}`)).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  }
  await signIn(page, env.agent);
  await expect(page.getByRole('alert')).toContainText('Agent keys cannot sign in');
  await signIn(page, 'stub_live_not_a_key');
  await expect(page.getByRole('alert')).toContainText('not known');
});

test('overview gauges equal the API, and the first meaningful render is under 1 s', async ({ page }) => {
  const csp: string[] = [];
  page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text()); });
  await signIn(page, env.admin);
  const root = (await call('GET', '/v1/budgets')).body;
  expect(root.id).toBe(ROOT);
  for (const l of root.limits) {
    const gauge = page.getByRole('region', { name: `${ROOT} ${l.period} limit` });
    await expect(gauge).toContainText(formatMoney(l.spent));
    await expect(gauge).toContainText(formatMoney(l.amount));
    await expect(gauge).toContainText(`spent ${l.spent}, limit ${l.amount}`);
  }
  const top = (await call('POST', '/v1/query', { spec: { from: new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString().replace('.000', ''), group_by: 'vendor', limit: 5 } })).body;
  for (const r of top.rows) await expect(page.getByRole('list', { name: 'Top vendors' })).toContainText(r.key);
  await axe(page, 'overview');
  await shot(page, 'overview');
  // First meaningful render: navigation start → the org's first gauge, signed in.
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(env.ui + '/#/overview');
  await page.getByRole('region', { name: `${ROOT} ${root.limits[0].period} limit` }).waitFor();
  const ms = Date.now() - t0;
  // The same from the page's own clock: navigation start → now (the gauge is up).
  const nav = await page.evaluate(() => Math.round(performance.now()));
  mkdirSync(path.join(here, '..', 'test-results'), { recursive: true });
  writeFileSync(path.join(here, '..', 'test-results', 'first-render.json'), JSON.stringify({ wall_ms: ms, performance_now_ms: nav }));
  console.log(`first meaningful render: ${ms} ms (performance.now ${nav} ms)`);
  expect(ms).toBeLessThan(1000);
  expect(csp, 'the page breaks no rule of the server\'s Content-Security-Policy').toEqual([]);
  // The README's picture of the demo org.
  await expect(page.getByRole('status', { name: 'Kill-switch state' })).toContainText('Kill-switch off');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: path.join(here, '..', '..', 'docs', 'overview.png') });
});

test('budgets: the tree matches the API; admin freezes and unfreezes an agent', async ({ page }) => {
  await signIn(page, env.admin);
  await open(page, 'Budgets');
  const root = (await call('GET', '/v1/budgets')).body;
  const ids: string[] = [];
  const walk = (n: any) => { ids.push(n.id); n.children.forEach(walk); };
  walk(root);
  const tree = page.getByRole('list', { name: 'Budget tree' });
  for (const id of ids) await expect(tree.getByRole('link', { name: id, exact: true })).toBeVisible();
  await axe(page, 'budgets');
  await shot(page, 'budgets');
  await page.getByRole('button', { name: 'Freeze mkt-writer-1' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Reason' }).fill('e2e');
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: 'Unfreeze mkt-writer-1' })).toBeVisible();
  expect((await call('GET', '/v1/budgets/mkt-writer-1')).body.frozen).toBe(true);
  await page.getByRole('button', { name: 'Unfreeze mkt-writer-1' }).click();
  await expect(page.getByRole('button', { name: 'Freeze mkt-writer-1' })).toBeVisible();
  expect((await call('GET', '/v1/budgets/mkt-writer-1')).body.frozen).toBe(false);
  // A node's page: its limits, policy and spends.
  await tree.getByRole('link', { name: 'marketing', exact: true }).click();
  await expect(page.getByRole('heading', { name: /team marketing/ })).toBeVisible();
  const mine = (await call('GET', '/v1/spends?team=marketing&limit=20')).body;
  await expect(page.getByRole('region', { name: 'Spends' })).toContainText(mine.items[0].id);
  await axe(page, 'budget node');
  await shot(page, 'budget-node');
});

test('live: a spend made through the API shows within 1 s', async ({ page }) => {
  await signIn(page, env.admin);
  await open(page, 'Live');
  const log = page.getByRole('log', { name: 'Live events' });
  // The server opens the stream at once (retry + a comment), before any event.
  await expect(page.getByRole('status').filter({ hasText: 'Stream connected.' })).toBeVisible();
  const r = await spend('mkt-researcher-2', '0.031337', 'api.live-test.com');
  expect(r.status).toBe(201);
  const t0 = Date.now();
  await expect(log).toContainText(/approved\s*mkt-researcher-2.*0\.031337.*api\.live-test\.com/, { timeout: 1000 });
  console.log(`live latency: ${Date.now() - t0} ms after the API answered`);
  await axe(page, 'live');
  await shot(page, 'live');
});

test('live: 1,000 events/s for 3 s keep the page responsive', async ({ page }) => {
  await signIn(page, env.admin);
  await open(page, 'Live');
  const r = await page.evaluate(async () => {
    const hub = (window as any).__stubEvents;
    let maxGap = 0;
    let last = performance.now();
    let running = true;
    const tick = () => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    let sent = 0;
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - t0) / 1000) * 1000);
        while (sent < due && sent < 3000) {
          hub.inject('spend.approved', { agent: `load-${sent % 50}`, amount: '0.000001', vendor: 'load.example', created_at: new Date().toISOString() }, `load/${sent}`);
          sent++;
        }
        if (sent >= 3000) {
          clearInterval(timer);
          done();
        }
      }, 10);
    });
    await new Promise((res) => setTimeout(res, 200));
    running = false;
    return { sent, maxGap: Math.round(maxGap), seconds: (performance.now() - t0) / 1000 };
  });
  console.log(`live load: ${r.sent} events in ${r.seconds.toFixed(2)} s, longest frame gap ${r.maxGap} ms`);
  expect(r.sent).toBe(3000);
  expect(r.maxGap).toBeLessThan(250);
  await expect(page.getByText(/3000 kept|[0-9]+ kept/)).toBeVisible();
  await expect(page.getByRole('log', { name: 'Live events' })).toContainText('load.example');
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Filter' }).fill('load-7');
  await expect(page.getByRole('log', { name: 'Live events' })).toContainText('load-7');
});

test('kill-switch from the UI denies API spends with kill_switch; releasing lets them through', async ({ page }) => {
  await signIn(page, env.admin);
  await open(page, 'Live');
  await expect(page.getByRole('status').filter({ hasText: 'Stream connected.' })).toBeVisible();
  await page.getByRole('button', { name: 'Engage kill-switch' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('e2e drill');
  await shot(page, 'kill-switch-dialog');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: 'Release kill-switch' })).toBeVisible();
  const denied = await spend('mkt-researcher-1', '0.01');
  expect(denied.status).toBe(402);
  expect(denied.body.reason).toBe('kill_switch');
  await expect(page.getByRole('log', { name: 'Live events' })).toContainText(/denied\s*mkt-researcher-1.*kill_switch/);
  await page.getByRole('button', { name: 'Release kill-switch' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Reason' }).fill('drill over');
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: 'Engage kill-switch' })).toBeVisible();
  expect((await spend('mkt-researcher-1', '0.01')).status).toBe(201);
});

test('approving in the UI books the spend', async ({ page }) => {
  expect((await call('PUT', '/v1/policies/res-analyst-1', { approval_over: '1.00' })).status).toBe(200);
  const r = await spend('res-analyst-1', '1.50', 'api.perplexity.ai');
  expect(r.status).toBe(202);
  const id = r.body.approval_id as string;
  await signIn(page, env.approver);
  await open(page, 'Approvals');
  await expect(page.getByRole('region', { name: 'Pending approvals' })).toContainText(id);
  await axe(page, 'approvals');
  await shot(page, 'approvals');
  await page.getByRole('button', { name: `Approve ${id}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: `Approve ${id}` })).toHaveCount(0);
  const after = (await call('GET', '/v1/approvals?status=approved')).body.items.find((a: any) => a.id === id);
  expect(after?.status).toBe('approved');
  expect(after.spend_id).toBeTruthy();
  const booked = await call('GET', `/v1/spends/${after.spend_id}`);
  expect(booked.status).toBe(200);
  expect(booked.body.status).toBe('approved');
  expect(booked.body.amount).toBe('1.5');
  await call('PUT', '/v1/policies/res-analyst-1', {});
});

test('policies: an invalid value shows the API message and changes nothing', async ({ page }) => {
  const before = (await call('GET', '/v1/policies/marketing')).body;
  const expected = (await call('PUT', '/v1/policies/marketing', { ...before.policy, max_per_spend: '-5' })).body.error.message as string;
  await signIn(page, env.admin);
  await open(page, 'Policies');
  await page.getByRole('combobox', { name: 'Node' }).selectOption('marketing');
  await page.getByRole('textbox', { name: 'Max per spend' }).fill('-5');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('alert')).toContainText(expected);
  expect((await call('GET', '/v1/policies/marketing')).body).toEqual(before);
  await expect(page.getByLabel('Effective policy')).toBeVisible();
  await axe(page, 'policies');
  await shot(page, 'policies');
});

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  return rows;
}

test('spends: the table and the CSV download equal /v1/spends for the same filter', async ({ page }) => {
  await signIn(page, env.finance);
  await open(page, 'Spends');
  await page.getByRole('textbox', { name: 'Team' }).fill('marketing');
  await page.getByRole('combobox', { name: 'Status' }).selectOption('approved');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const first = (await call('GET', '/v1/spends?team=marketing&status=approved&limit=50')).body;
  const table = page.getByRole('region', { name: 'Spends' });
  await expect(table.getByRole('row')).toHaveCount(first.items.length + 1);
  await expect(table).toContainText(first.items[0].id);
  await expect(table).toContainText(first.items[first.items.length - 1].id);
  await axe(page, 'spends');
  await shot(page, 'spends');
  // Keyset pagination.
  if (first.next_cursor) {
    const second = (await call('GET', `/v1/spends?team=marketing&status=approved&limit=50&cursor=${first.next_cursor}`)).body;
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(table).toContainText(second.items[0].id);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect(table).toContainText(first.items[0].id);
  }
  const all: any[] = [];
  let cursor = '';
  for (;;) {
    const p = (await call('GET', `/v1/spends?team=marketing&status=approved&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).body;
    all.push(...p.items);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
  const header = csv[0];
  expect(header.slice(0, 5)).toEqual(['id', 'status', 'created_at', 'agent', 'amount']);
  const body = csv.slice(1);
  expect(body.length).toBe(all.length);
  body.forEach((row, i) => {
    const rec = Object.fromEntries(header.map((h, j) => [h, row[j]]));
    for (const k of ['id', 'status', 'created_at', 'agent', 'amount', 'vendor', 'category', 'session', 'user', 'intent']) expect(rec[k]).toBe(String(all[i][k] ?? ''));
  });
  // A spend's detail: attribution, receipt and journal entry.
  await table.getByRole('link', { name: first.items[0].id }).click();
  const detail = (await call('GET', `/v1/spends/${first.items[0].id}`)).body;
  await expect(page.getByText(detail.entry.hash)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Receipt' })).toBeVisible();
  await axe(page, 'spend detail');
  await shot(page, 'spend-detail');
});

test('charts render for every role that reads', async ({ page }) => {
  const csp: string[] = [];
  page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text()); });
  await signIn(page, env.finance);
  await open(page, 'Charts');
  await expect(page.getByRole('img', { name: 'Spend over time stacked by team' })).toBeVisible();
  await expect(page.locator('.uplot').first()).toBeVisible();
  const top = (await call('POST', '/v1/query', { spec: { from: new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 29)).toISOString().replace('.000', ''), group_by: 'vendor', limit: 10 } })).body;
  await expect(page.getByRole('list', { name: 'Top vendors' })).toContainText(top.rows[0].key);
  expect(csp).toEqual([]);
  await axe(page, 'charts');
  await shot(page, 'charts');
});

test('ask shows the answer and the rows', async ({ page }) => {
  const question = 'top 5 vendors this month';
  const expected = (await call('POST', '/v1/query', { question })).body;
  await signIn(page, env.finance);
  await open(page, 'Ask');
  await page.getByRole('textbox', { name: 'Question' }).fill(question);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  const answer = page.getByRole('region', { name: 'Answer' });
  await expect(answer).toContainText(expected.answer);
  await expect(answer.getByRole('row')).toHaveCount(expected.rows.length + 1);
  for (const r of expected.rows) await expect(answer).toContainText(r.key);
  await axe(page, 'ask');
  await shot(page, 'ask');
  await page.getByRole('textbox', { name: 'Question' }).fill('blah blah');
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await expect(answer.getByText('Try one of these:')).toBeVisible();
});

test('audit: verify and the journal equal the API', async ({ page }) => {
  await signIn(page, env.finance);
  await open(page, 'Audit');
  const v = (await call('GET', '/v1/verify')).body;
  const result = page.getByRole('status', { name: 'Verify result' });
  await expect(result).toContainText(`${v.entries} entries`);
  await expect(result).toContainText(v.head);
  const j = (await call('GET', '/v1/journal?after_seq=0&limit=25')).body.entries;
  const entries = page.getByRole('list', { name: 'Journal entries' });
  await expect(entries).toContainText(j[0].hash);
  await expect(entries).toContainText(j[24].hash);
  await page.getByRole('button', { name: 'Load configuration changes' }).click();
  await expect(page.getByRole('region', { name: 'Configuration changes' })).toContainText('limits.updated');
  await axe(page, 'audit');
  await shot(page, 'audit');
});

test('keys: list equals the API; create shows the secret once; revoke stops it', async ({ page }) => {
  await signIn(page, env.admin);
  await open(page, 'Keys');
  const keys = (await call('GET', '/v1/keys')).body.items;
  const table = page.getByRole('region', { name: 'Keys' });
  for (const k of keys) await expect(table).toContainText(k.id);
  await page.getByRole('combobox', { name: 'Role' }).selectOption('finance');
  await page.getByRole('textbox', { name: 'Name' }).fill('e2e-made-in-ui');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByLabel('New key secret').textContent())!.trim();
  expect((await call('GET', '/v1/budgets', undefined, secret)).status).toBe(200);
  await axe(page, 'keys');
  await shot(page, 'keys');
  const made = (await call('GET', '/v1/keys')).body.items.find((k: any) => k.name === 'e2e-made-in-ui');
  await page.getByRole('button', { name: `Revoke ${made.id}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: `Revoke ${made.id}` })).toHaveCount(0);
  expect((await call('GET', '/v1/budgets', undefined, secret)).status).toBe(401);
});

test('reload keeps the session; sign-out ends it', async ({ page, context }) => {
  test.skip(env.viaVite, 'needs the server-side session');
  await signIn(page, env.finance);
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === 'stub_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  const withCookie = () => fetch(env.api + '/v1/session', { headers: { Cookie: `stub_session=${cookie!.value}` } });
  expect((await withCookie()).status).toBe(200);
  // The key is nowhere in the page's storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  expect(stored).not.toContain(env.finance);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect((await withCookie()).status).toBe(401);
  await axe(page, 'sign-in');
  await shot(page, 'sign-in');
});

test('usable at 390 px in the dark theme', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, env.admin);
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  for (const [link, name] of [['Overview', 'overview'], ['Budgets', 'budgets'], ['Spends', 'spends'], ['Live', 'live']] as const) {
    await open(page, link);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(link === 'Overview' ? 'Overview of' : link);
    await expect(page.getByText(/Loading/)).toHaveCount(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${link} scrolls sideways at 390 px`).toBeLessThanOrEqual(1);
    await axe(page, `${name} (dark, 390 px)`);
    await shot(page, `${name}-dark-390`);
  }
  await page.getByRole('button', { name: 'Dark theme' }).click();
});

import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const env = {
  get ui() { return process.env.STUB_UI_URL!; },
  get api() { return process.env.STUB_API_URL!; },
  get admin() { return process.env.STUB_ADMIN_KEY!; },
  /** `stub serve --demo`'s single-use sign-in link, as printed ("" if it printed none). */
  get signinLink() { return process.env.STUB_SIGNIN_LINK ?? ''; },
  get finance() { return process.env.STUB_FINANCE_KEY!; },
  get approver() { return process.env.STUB_APPROVER_KEY!; },
  get agent() { return process.env.STUB_AGENT_KEY!; },
  get viaVite() { return process.env.STUB_UI_URL !== process.env.STUB_API_URL; },
};

export async function call<T = any>(method: string, p: string, body?: unknown, key = env.admin): Promise<{ status: number; body: T }> {
  const r = await fetch(env.api + p, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const t = await r.text();
  return { status: r.status, body: t ? JSON.parse(t) : null };
}

let n = 0;
export function idem(): string {
  return `e2e-${Date.now()}-${n++}-${Math.random().toString(36).slice(2)}`;
}

export async function spend(agent: string, amount: string, vendor = 'api.openai.com', extra: Record<string, unknown> = {}) {
  return call('POST', '/v1/spends', { agent, amount, vendor, idempotency_key: idem(), intent: 'e2e', ...extra });
}

export async function signIn(page: Page, key: string) {
  if (env.viaVite) await fetch(env.ui + '/v1/session', { method: 'DELETE' }); // the dev stand-in's one session
  await page.goto(env.ui + '/');
  await page.getByRole('textbox', { name: 'API key' }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function open(page: Page, link: string) {
  await page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
}

export async function shot(page: Page, name: string) {
  const dir = path.join(here, '..', 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export async function axe(page: Page, screen: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${screen}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(' | ')}`)).toEqual([]);
}

// Starts one real `stub serve` for the run: a temporary SQLite file, a free
// port, the demo org, and the built dashboard served with --ui-dir. Keys of
// every role are made through the API. The returned function stops it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const uiDir = path.resolve(here, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function waitFor(proc: ChildProcess, re: RegExp, what: string, ms = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${out}`)), ms);
    const on = (b: Buffer) => {
      out += b.toString();
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off('data', on);
        proc.stderr?.off('data', on);
        resolve(m);
      }
    };
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited with ${code}; output:\n${out}`));
    });
  });
}

async function call(base: string, key: string, method: string, p: string, body?: unknown) {
  const r = await fetch(base + p, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const t = await r.text();
  if (!r.ok) throw new Error(`${method} ${p} → ${r.status} ${t}`);
  return t ? JSON.parse(t) : null;
}

export default async function globalSetup() {
  const bin = path.resolve(uiDir, process.env.STUB_BIN ?? '../build/ci-release/stub');
  if (!existsSync(bin)) throw new Error(`no stub binary at ${bin}: build it (scripts/test.sh) or set STUB_BIN`);
  const dist = path.join(uiDir, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('ui/dist is not built: run npm run build');
  const dir = mkdtempSync(path.join(tmpdir(), 'stub-ui-e2e-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const viaVite = process.env.STUB_UI_VIA_VITE === '1'; // for a server without sessions: vite preview proxies
  const args = ['serve', '--db', `sqlite:${path.join(dir, 'stub.db')}`, '--demo', '--listen', `127.0.0.1:${port}`];
  if (!viaVite) args.push('--ui-dir', dist);
  const procs: ChildProcess[] = [];
  const stub = spawn(bin, args, {
    env: { ...process.env, STUB_ROOT_KEY: randomBytes(30).toString('base64url') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(stub);
  const stop = () => {
    for (const p of procs.reverse()) if (p.exitCode === null) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Everything `stub serve --demo` prints up to "Listening on": the admin
    // key, then the dashboard's address and its single-use sign-in link.
    const [printed] = await waitFor(stub, /admin key \(shown once\): \S+[\s\S]*?Listening on \S+/, 'the demo admin key and the listening address');
    const adminKey = /admin key \(shown once\): (\S+)/.exec(printed)![1];
    const signinLink = /sign in: open (\S+) \(single use, expires in 10 minutes\), or paste the admin key/.exec(printed)?.[1] ?? '';
    // Wait until it answers.
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${api}/healthz`)).ok) break;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const mk = (role: string, extra: Record<string, string> = {}) => call(api, adminKey, 'POST', '/v1/keys', { role, name: `e2e-${role}`, ...extra });
    const finance = await mk('finance');
    const approver = await mk('approver');
    const agent = await mk('agent', { agent: 'mkt-researcher-1' });
    let ui = api;
    if (viaVite) {
      const vport = await freePort();
      const vite = spawn(process.execPath, [path.join(uiDir, 'node_modules/vite/bin/vite.js'), 'preview', '--port', String(vport), '--strictPort', '--host', '127.0.0.1'], {
        cwd: uiDir,
        env: { ...process.env, STUB_URL: api, STUB_DEV_KEY: adminKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(vite);
      await waitFor(vite, /Local:|localhost|127\.0\.0\.1/, 'vite preview');
      ui = `http://127.0.0.1:${vport}`;
    }
    process.env.STUB_UI_URL = ui;
    process.env.STUB_API_URL = api;
    process.env.STUB_ADMIN_KEY = adminKey;
    process.env.STUB_SIGNIN_LINK = signinLink;
    process.env.STUB_FINANCE_KEY = finance.key;
    process.env.STUB_APPROVER_KEY = approver.key;
    process.env.STUB_AGENT_KEY = agent.key;
    mkdirSync(path.join(uiDir, 'test-results'), { recursive: true });
    writeFileSync(path.join(uiDir, 'test-results', 'server.json'), JSON.stringify({ api, ui, viaVite }, null, 2));
  } catch (e) {
    stop();
    throw e;
  }
  return stop;
}

// A real `stub serve` for a test file: the binary from $STUB_BIN (default build/ci-release/stub at
// the repo root), a fresh SQLite file in a temporary directory, port 0 (the bound port is read from
// the "Listening on" line), STUB_ROOT_KEY and STUB_SECRET_KEY random per run. Everything it prints
// (stdout and stderr) is kept in `output()` so tests can check that no secret reaches a log.
// `startStub({args, env})` adds command-line arguments (e.g. `--signer`, `--allow-private-fetch`)
// and environment variables for a test file that needs them.
// Helpers make orgs, teams, agents, keys, policies and providers through the HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function stubBinary(): string {
  const bin = process.env.STUB_BIN ?? 'build/ci-release/stub';
  return path.isAbsolute(bin) ? bin : path.resolve(repoRoot, bin);
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** What a test file may add to `stub serve`: extra command-line arguments and environment variables. */
export interface StubOptions {
  /** Appended after `serve --db … --listen …`, e.g. ['--signer', 'ops=/tmp/k', '--allow-private-fetch']. */
  args?: string[];
  /** Added to (and overriding) the inherited environment. */
  env?: Record<string, string>;
}

export class StubServer {
  readonly rootKey = 'stub-root-' + randomBytes(24).toString('hex');
  readonly secretKey = randomBytes(32).toString('hex');
  url = '';
  private proc?: ChildProcess;
  private dir = '';
  private out = '';
  private orgCounter = 0;

  constructor(readonly options: StubOptions = {}) {}

  /** Everything the server printed so far, stdout and stderr interleaved. */
  output(): string {
    return this.out;
  }

  async start(): Promise<this> {
    const bin = stubBinary();
    if (!existsSync(bin)) throw new Error(`no stub binary at ${bin}: build it (scripts/test.sh, or cmake --build build/release --target stub) or set STUB_BIN`);
    this.dir = mkdtempSync(path.join(tmpdir(), 'stub-sdk-'));
    const args = ['serve', '--db', `sqlite:${path.join(this.dir, 'stub.db')}`, '--listen', '127.0.0.1:0', ...(this.options.args ?? [])];
    const proc = spawn(bin, args, {
      env: { ...process.env, STUB_ROOT_KEY: this.rootKey, STUB_SECRET_KEY: this.secretKey, ...(this.options.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const listening = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stub serve did not listen within 30 s; output:\n${this.out}`)), 30_000);
      const on = (b: Buffer) => {
        this.out += b.toString('utf8');
        const m = this.out.match(/Listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout!.on('data', on);
      proc.stderr!.on('data', on);
      proc.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`stub serve exited (${code ?? sig}); output:\n${this.out}`));
      });
    });
    try {
      this.url = await listening;
      const until = Date.now() + 10_000;
      for (;;) {
        const r = await fetch(`${this.url}/healthz`).catch(() => undefined);
        if (r?.ok) break;
        if (Date.now() > until) throw new Error(`GET /healthz did not answer 200; output:\n${this.out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
    return this;
  }

  async stop() {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!killed) {
        p.kill('SIGKILL');
        await exited;
      }
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  /** One API call; `body` is sent as JSON. Never throws on a status. */
  async api(key: string | undefined, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const r = await fetch(this.url + p, {
      method,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: r.status, headers: r.headers, text, body: parsed };
  }

  /** A call that must succeed (2xx); returns the parsed body. */
  async ok(key: string, method: string, p: string, body?: unknown): Promise<any> {
    const a = await this.api(key, method, p, body);
    if (a.status < 200 || a.status > 299) throw new Error(`${method} ${p} → ${a.status} ${a.text}`);
    return a.body;
  }

  /** A new org (POST /v1/orgs with the root key). */
  async newOrg(id?: string): Promise<Org> {
    const orgId = id ?? `org-${process.pid}-${++this.orgCounter}-${randomBytes(3).toString('hex')}`;
    const b = await this.ok(this.rootKey, 'POST', '/v1/orgs', { id: orgId, name: orgId });
    if (typeof b?.admin_key !== 'string') throw new Error(`POST /v1/orgs gave no admin_key: ${JSON.stringify(b)}`);
    return new Org(this, orgId, b.admin_key);
  }
}

export interface Limit {
  amount: string;
  period: 'day' | 'week' | 'month' | 'quarter' | 'year' | 'total';
}

/** An org and its admin key, with the admin's calls. */
export class Org {
  constructor(readonly stub: StubServer, readonly id: string, readonly adminKey: string) {}

  api(method: string, p: string, body?: unknown) {
    return this.stub.api(this.adminKey, method, p, body);
  }
  ok(method: string, p: string, body?: unknown) {
    return this.stub.ok(this.adminKey, method, p, body);
  }
  putTeam(id: string, limits: Limit[] = [], parent?: string) {
    return this.ok('PUT', `/v1/teams/${id}`, { ...(parent ? { parent } : {}), limits });
  }
  putAgent(id: string, team: string, limits: Limit[] = []) {
    return this.ok('PUT', `/v1/agents/${id}`, { team, limits });
  }
  /** A new agent key for `agent`; returns the secret. */
  async agentKey(agent: string): Promise<string> {
    const b = await this.ok('POST', '/v1/keys', { role: 'agent', agent });
    if (typeof b?.key !== 'string') throw new Error(`POST /v1/keys gave no key: ${JSON.stringify(b)}`);
    return b.key;
  }
  putPolicy(node: string, policy: unknown) {
    return this.ok('PUT', `/v1/policies/${node}`, policy);
  }
  putProvider(name: string, provider: unknown) {
    return this.api('PUT', `/v1/providers/${name}`, provider);
  }
}

export async function startStub(options: StubOptions = {}): Promise<StubServer> {
  return new StubServer(options).start();
}

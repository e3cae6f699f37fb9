import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Development workflow (documented in ui/README.md):
//   stub serve --demo --listen 127.0.0.1:8402      # the API
//   STUB_URL=http://127.0.0.1:8402 npm run dev     # Vite on :5173, proxying /v1 to it
// The dev server only proxies: sign in with a key as in production, and the
// session cookie flows through the proxy. For a server without session routes,
// STUB_DEV_KEY=<admin key> makes the dev server (never the build) answer
// /v1/session itself and add the bearer key to proxied requests.
const target = process.env.STUB_URL ?? 'http://127.0.0.1:8402';
const devKey = process.env.STUB_DEV_KEY;

type Middlewares = { use: (path: string, fn: (req: { method?: string }, res: { statusCode: number; setHeader: (k: string, v: string) => void; end: (s?: string) => void }) => void) => void };

let signedIn = false;
function fakeSession(middlewares: Middlewares) {
  if (!devKey) return;
  middlewares.use('/v1/session', (req, res) => {
        if (req.method === 'DELETE' || (req.method === 'GET' && !signedIn)) {
          signedIn = false;
          res.statusCode = req.method === 'DELETE' ? 204 : 401;
          res.end(req.method === 'DELETE' ? undefined : '{"error":{"code":"unauthorized","message":"signed out"}}');
          return;
        }
        signedIn = true;
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({ org: process.env.STUB_DEV_ORG ?? 'acme', role: 'admin', key_id: 'dev', name: 'dev', csrf_token: 'dev', expires_at: '2099-01-01T00:00:00Z' }),
        );
  });
}

function devSession(): Plugin {
  return {
    name: 'stub-dev-session',
    configureServer: (server) => fakeSession(server.middlewares as unknown as Middlewares),
    configurePreviewServer: (server) => fakeSession(server.middlewares as unknown as Middlewares),
  };
}

const proxy = {
  '/v1': { target, changeOrigin: false, headers: devKey ? { Authorization: `Bearer ${devKey}` } : undefined },
  '/openapi.json': target,
};

export default defineConfig({
  plugins: [react(), devSession()],
  build: { target: 'es2020', sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy },
  preview: { proxy },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
} as never);

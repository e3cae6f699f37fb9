// Measures the initial JavaScript of the built dashboard: the scripts and
// module preloads that dist/index.html loads before anything else, gzipped.
// Lazy screens (import()) are not initial. Fails above the budget (250 KB).
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const budget = 250 * 1024;
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]);
let raw = 0;
let gz = 0;
for (const ref of new Set(refs)) {
  const buf = readFileSync(path.join(dist, ref.replace(/^\//, '')));
  raw += buf.length;
  gz += gzipSync(buf, { level: 9 }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`initial JS: ${refs.length} file(s), ${kb(raw)} KB raw, ${kb(gz)} KB gzip (budget ${kb(budget)} KB)`);
writeFileSync(path.join(dist, '..', 'bundle-size.json'), JSON.stringify({ files: refs, raw_bytes: raw, gzip_bytes: gz, budget_bytes: budget }, null, 2) + '\n');
if (gz > budget) {
  console.error('initial JS is over budget: lazy-load more screens');
  process.exit(1);
}

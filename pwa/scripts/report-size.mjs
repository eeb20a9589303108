// Prints the gzipped size of the JavaScript the first page load fetches (budget: 50 KB).
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const html = readFileSync('dist/index.html', 'utf8');
const scripts = [...html.matchAll(/<script[^>]+src="\/([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g)].map((m) => m[1]);
let total = 0;
for (const file of new Set(scripts)) total += gzipSync(readFileSync(`dist/${file}`)).length;
const kb = (total / 1024).toFixed(1);
console.log(`first-load JavaScript: ${kb} KB gzipped (${scripts.length} file(s); budget 50 KB)`);
const all = readdirSync('dist/assets').filter((f) => f.endsWith('.js'));
if (total > 50 * 1024) {
  console.error('over the 50 KB budget');
  process.exit(1);
}
void all;

// pagefind-search.mjs BUNDLE_URL LANG WORD: searches a published Pagefind
// 1.6 index as a reader's browser does, with Pagefind's own pagefind.js
// fetched from BUNDLE_URL (for example http://127.0.0.1:9000/bucket/site/pagefind/),
// and prints the URL of every page that matches, one a line. Exit 1 when
// the index cannot be loaded. For the tests of tools/site and the e2e
// scripts of cmd/storyguard; needs Node 18 or later (fetch, WebAssembly).
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [bundle, lang, word] = process.argv.slice(2);
if (!bundle || !lang || !word) {
  console.error("usage: pagefind-search.mjs BUNDLE_URL LANG WORD");
  process.exit(2);
}
// pagefind.js picks the index by <html lang>, and its bundled
// wasm-bindgen glue looks at document.currentScript.
globalThis.window = globalThis;
globalThis.document = { currentScript: null, querySelector: () => ({ getAttribute: () => lang }) };
const res = await fetch(bundle + "pagefind.js");
if (!res.ok) {
  console.error(`pagefind.js: HTTP ${res.status}`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "pagefind-search-"));
try {
  const file = join(dir, "pagefind.mjs");
  writeFileSync(file, await res.text());
  const pf = await import(file);
  await pf.options({ basePath: bundle, baseUrl: "/" });
  const found = await pf.search(word);
  for (const r of found.results) {
    console.log((await r.data()).url);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * /api/docs: a self-contained page (no CDN, no library) that fetches
 * /api/openapi.json and lists every operation with its schemas.
 */
import { createHash } from 'node:crypto';

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bigapp API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
main{max-width:960px;margin:auto;padding:1rem}
h1{margin:.5rem 0}h2{margin-top:2rem;border-bottom:1px solid #ccd;text-transform:capitalize}
details{background:#fff;border:1px solid #dde;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f0f2f5;padding:.5rem;overflow:auto;max-height:24rem}
.m{display:inline-block;min-width:4.5rem;font-weight:600;text-transform:uppercase}.get{color:#06c}.post{color:#080}.patch{color:#a60}.delete{color:#c00}
.a{color:#666;font-size:13px}
</style></head><body><main>
<h1>bigapp API</h1><p id="intro">Loading <a href="/api/openapi.json">/api/openapi.json</a>…</p><div id="ops"></div></main>
<script>const el = (t, attrs = {}, ...kids) => { const e = document.createElement(t); Object.assign(e, attrs); e.append(...kids); return e; };
const pre = (v) => el('pre', {}, JSON.stringify(v, null, 2));
fetch('/api/openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('intro').textContent = doc.info.description;
  const ops = document.getElementById('ops');
  const resolve = (s) => (s && s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
  for (const tag of doc.tags) {
    ops.append(el('h2', {}, tag.name));
    for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
      if (!op.tags.includes(tag.name)) continue;
      const d = el('details', {}, el('summary', {}, el('span', { className: 'm ' + method }, method), ' ', el('code', {}, path), ' — ', op.summary, ' ', el('span', { className: 'a' }, op.description)));
      if (op.parameters) d.append(el('h4', {}, 'Parameters'), pre(op.parameters.map((p) => ({ name: p.name, in: p.in, required: p.required, schema: p.schema }))));
      const body = op.requestBody && Object.entries(op.requestBody.content)[0];
      if (body) d.append(el('h4', {}, 'Request body (' + body[0] + ')'), pre(resolve(body[1].schema)));
      for (const [code, r] of Object.entries(op.responses)) {
        const c = r.content && Object.entries(r.content)[0];
        d.append(el('h4', {}, code + ' ' + r.description));
        if (c && c[1].schema && !String(code).match(/^[45]/)) d.append(pre(resolve(c[1].schema)));
      }
      ops.append(d);
    }
  }
}).catch((e) => { document.getElementById('intro').textContent = 'Could not load the document: ' + e; });</script></body></html>`;

export const docsPage = page;
const script = /<script>([\s\S]*)<\/script>/.exec(page)![1]!;
/** Only this exact inline script may run on the page. */
export const DOCS_CSP = `default-src 'none'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

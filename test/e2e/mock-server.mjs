#!/usr/bin/env node
// A DEVELOPMENT-ONLY stand-in for the web API, in memory, for working on the
// UI (and the browser test) before or without the real services. It is not
// the application and nothing ships it: the e2e test runs against the real
// `bigapp start` unless E2E_BASE_URL points elsewhere.
//
//   node test/e2e/mock-server.mjs [port]      then open http://localhost:<port>
import http from 'node:http';
import { randomUUID, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import busboy from 'busboy';
import sharp from 'sharp';
import yazl from 'yazl';
import yauzl from 'yauzl';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.join(root, 'ui/dist');
const port = Number(process.argv[2] ?? process.env.PORT ?? 8089);

const users = new Map(); // id -> user
const sessions = new Map(); // token -> {userId, csrf}
const workspaces = new Map(); // id -> {id,name,createdAt, members: Map(userId -> role)}
const media = new Map(); // id -> {media, original, thumbs}
const jobs = new Map();
const downloads = new Map();
const streams = new Map(); // wsId -> Set(res)

const now = () => new Date().toISOString();
const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const fail = (res, status, code, message) => send(res, status, { error: { code, message } });
const emit = (wsId, event) => {
  for (const r of streams.get(wsId) ?? []) r.write(`event: ${event.type}\ndata: ${JSON.stringify({ workspaceId: wsId, ...event })}\n\n`);
};
const cookieOf = (req) => /(?:^|;\s*)bigapp_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
const readJson = (req) =>
  new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => {
      try {
        resolve(s ? JSON.parse(s) : {});
      } catch {
        resolve(null);
      }
    });
  });
const readFile = (req) =>
  new Promise((resolve, reject) => {
    const bb = busboy({ headers: req.headers });
    let file = null;
    bb.on('file', (_n, stream, info) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => (file = { name: typeof info === 'string' ? info : info.filename, data: Buffer.concat(chunks) }));
    });
    bb.on('finish', () => setImmediate(() => resolve(file)));
    bb.on('error', reject);
    req.pipe(bb);
  });
const sniff = (b) =>
  b[0] === 0xff && b[1] === 0xd8 ? 'image/jpeg' : b.subarray(0, 4).toString('hex') === '89504e47' ? 'image/png' : b.subarray(8, 12).toString() === 'WEBP' ? 'image/webp' : b.subarray(0, 3).toString() === 'GIF' ? 'image/gif' : null;
const sessionBody = (u, s) => ({ user: { id: u.id, username: u.username, role: 'member', createdAt: u.createdAt }, csrfToken: s.csrf });
const wsView = (w, uid) => ({ id: w.id, name: w.name, role: w.members.get(uid), createdAt: w.createdAt });

function startSession(res, u) {
  const token = randomBytes(16).toString('hex');
  const s = { userId: u.id, csrf: randomBytes(16).toString('hex') };
  sessions.set(token, s);
  res.setHeader('set-cookie', `bigapp_session=${token}; Path=/; HttpOnly; SameSite=Lax`);
  return s;
}

function addMedia(wsId, filename, data) {
  const type = sniff(data);
  if (!type) return null;
  const m = { id: randomUUID(), workspaceId: wsId, filename, contentType: type, size: data.length, status: 'processing', width: null, height: null, format: null, error: null, thumbnails: null, createdAt: now() };
  media.set(m.id, { media: m, original: data, thumbs: {} });
  setTimeout(async () => {
    const rec = media.get(m.id);
    if (!rec) return;
    try {
      const meta = await sharp(data).metadata();
      rec.thumbs.small = await sharp(data).rotate().resize(256, 256, { fit: 'inside' }).webp().toBuffer();
      rec.thumbs.large = await sharp(data).rotate().resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).webp().toBuffer();
      Object.assign(m, { status: 'ready', width: meta.width, height: meta.height, format: meta.format, thumbnails: { small: `/mock-thumbs/${m.id}/small.webp`, large: `/mock-thumbs/${m.id}/large.webp` } });
    } catch (e) {
      Object.assign(m, { status: 'failed', error: `The image could not be decoded: ${String(e.message).split('\n')[0]}` });
    }
    emit(wsId, { type: 'media.updated', media: m });
  }, 400 + Math.random() * 600);
  return m;
}

function newJob(kind, wsId) {
  const j = { id: randomUUID(), kind, status: 'active', attempts: 1, result: null, error: null, createdAt: now(), finishedAt: null, downloadUrl: null };
  jobs.set(j.id, { job: j, wsId });
  return j;
}
const finish = (wsId, j, result) => {
  Object.assign(j, { status: 'succeeded', result, finishedAt: now() });
  emit(wsId, { type: 'job.finished', job: j });
};

async function api(req, res, url) {
  const p = url.pathname;
  const m = req.method;
  if (p === '/api/auth/register' || p === '/api/auth/login') {
    const b = await readJson(req);
    if (!b || typeof b.username !== 'string' || typeof b.password !== 'string') return fail(res, 400, 'bad_request', 'username and password are required');
    let u = [...users.values()].find((x) => x.username === b.username);
    if (p.endsWith('register')) {
      if (b.password.length < 10) return fail(res, 400, 'bad_request', 'password: at least 10 characters');
      if (u) return fail(res, 409, 'conflict', 'That username is taken.');
      u = { id: randomUUID(), username: b.username, password: b.password, createdAt: now() };
      users.set(u.id, u);
      return send(res, 201, sessionBody(u, startSession(res, u)));
    }
    if (!u || u.password !== b.password) return fail(res, 401, 'unauthorized', 'Wrong username or password.');
    return send(res, 200, sessionBody(u, startSession(res, u)));
  }
  const token = cookieOf(req);
  const s = token && sessions.get(token);
  if (!s) return fail(res, 401, 'unauthorized', 'Sign in first.');
  if (m !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) return fail(res, 403, 'forbidden', 'Missing or wrong CSRF token.');
  const me = users.get(s.userId);
  if (p === '/api/auth/me') return send(res, 200, sessionBody(me, s));
  if (p === '/api/auth/logout') {
    sessions.delete(token);
    res.setHeader('set-cookie', 'bigapp_session=; Path=/; Max-Age=0');
    return send(res, 204);
  }
  if (p === '/api/workspaces' && m === 'GET') return send(res, 200, [...workspaces.values()].filter((w) => w.members.has(me.id)).map((w) => wsView(w, me.id)));
  if (p === '/api/workspaces' && m === 'POST') {
    const b = await readJson(req);
    if (!b?.name?.trim()) return fail(res, 400, 'bad_request', 'name: required');
    const w = { id: randomUUID(), name: b.name.trim(), createdAt: now(), members: new Map([[me.id, 'owner']]) };
    workspaces.set(w.id, w);
    return send(res, 201, wsView(w, me.id));
  }
  const jm = /^\/api\/jobs\/([^/]+)$/.exec(p);
  if (jm) {
    const j = jobs.get(jm[1]);
    if (!j || !workspaces.get(j.wsId)?.members.has(me.id)) return fail(res, 404, 'not_found', 'No such job.');
    return send(res, 200, j.job);
  }
  const wm = /^\/api\/workspaces\/([^/]+)(\/.*)?$/.exec(p);
  if (!wm) return fail(res, 404, 'not_found', 'No such route.');
  const w = workspaces.get(wm[1]);
  const role = w?.members.get(me.id);
  if (!w || !role) return fail(res, 404, 'not_found', 'No such workspace.');
  const rest = wm[2] ?? '';
  const canEdit = role !== 'viewer';
  if (rest === '' && m === 'PATCH') {
    if (role !== 'owner') return fail(res, 403, 'forbidden', 'Only owners can rename.');
    w.name = (await readJson(req))?.name?.trim() || w.name;
    return send(res, 200, wsView(w, me.id));
  }
  if (rest === '' && m === 'DELETE') {
    if (role !== 'owner') return fail(res, 403, 'forbidden', 'Only owners can delete.');
    workspaces.delete(w.id);
    return send(res, 204);
  }
  if (rest === '/members' && m === 'GET') return send(res, 200, [...w.members].map(([userId, r]) => ({ userId, username: users.get(userId).username, role: r })));
  if (rest === '/members' && m === 'POST') {
    if (role !== 'owner') return fail(res, 403, 'forbidden', 'Only owners manage members.');
    const b = await readJson(req);
    const u = [...users.values()].find((x) => x.username === b?.username);
    if (!u) return fail(res, 404, 'not_found', `No user named ${b?.username}.`);
    w.members.set(u.id, b.role);
    return send(res, 201, { userId: u.id, username: u.username, role: b.role });
  }
  const mm = /^\/members\/([^/]+)$/.exec(rest);
  if (mm) {
    if (role !== 'owner') return fail(res, 403, 'forbidden', 'Only owners manage members.');
    if (!w.members.has(mm[1])) return fail(res, 404, 'not_found', 'Not a member.');
    if (m === 'DELETE') {
      w.members.delete(mm[1]);
      return send(res, 204);
    }
    const b = await readJson(req);
    w.members.set(mm[1], b.role);
    return send(res, 200, { userId: mm[1], username: users.get(mm[1]).username, role: b.role });
  }
  if (rest === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': hello\n\n');
    if (!streams.has(w.id)) streams.set(w.id, new Set());
    streams.get(w.id).add(res);
    req.on('close', () => streams.get(w.id)?.delete(res));
    return;
  }
  if (rest === '/media' && m === 'GET') {
    const items = [...media.values()].map((r) => r.media).filter((x) => x.workspaceId === w.id).reverse();
    return send(res, 200, { items, nextCursor: null });
  }
  if (rest === '/media' && m === 'POST') {
    if (!canEdit) return fail(res, 403, 'forbidden', 'Viewers cannot upload.');
    const f = await readFile(req);
    if (!f) return fail(res, 400, 'bad_request', 'file: required');
    const item = addMedia(w.id, f.name, f.data);
    if (!item) return fail(res, 400, 'bad_request', 'Not a supported image type.');
    return send(res, 201, item);
  }
  const om = /^\/media\/([^/]+)(\/original)?$/.exec(rest);
  if (om) {
    const r = media.get(om[1]);
    if (!r || r.media.workspaceId !== w.id) return fail(res, 404, 'not_found', 'No such media.');
    if (om[2]) {
      res.writeHead(200, { 'content-type': r.media.contentType, 'content-disposition': `attachment; filename="${r.media.filename}"` });
      return res.end(r.original);
    }
    if (m === 'DELETE') {
      media.delete(om[1]);
      emit(w.id, { type: 'media.deleted', mediaId: om[1] });
      return send(res, 204);
    }
    return send(res, 200, r.media);
  }
  if (rest === '/exports' && m === 'POST') {
    const j = newJob('export', w.id);
    send(res, 202, { jobId: j.id });
    const items = [...media.values()].filter((r) => r.media.workspaceId === w.id);
    const zip = new yazl.ZipFile();
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    for (const [i, r] of items.entries()) {
      await new Promise((ok) => setTimeout(ok, 300));
      emit(w.id, { type: 'job.progress', jobId: j.id, kind: 'export', progress: (i + 1) / (items.length + 1) });
      zip.addBuffer(r.original, `originals/${r.media.id}-${r.media.filename}`);
    }
    zip.addBuffer(Buffer.from(JSON.stringify(items.map((r) => r.media), null, 2)), 'metadata.json');
    zip.end();
    await new Promise((ok) => zip.outputStream.on('end', ok));
    const buf = Buffer.concat(chunks);
    downloads.set(j.id, buf);
    j.downloadUrl = `/mock-downloads/${j.id}.zip`;
    return finish(w.id, j, { key: `exports/${j.id}.zip`, bytes: buf.length, items: items.length, expiresAt: new Date(Date.now() + 3600e3).toISOString() });
  }
  if (rest === '/imports' && m === 'POST') {
    const f = await readFile(req);
    const j = newJob('import', w.id);
    send(res, 202, { jobId: j.id });
    const rejected = [];
    let imported = 0;
    yauzl.fromBuffer(f.data, { lazyEntries: true }, (err, zf) => {
      if (err) return Object.assign(j, { status: 'failed', error: { message: 'Not a ZIP archive.' } }) && emit(w.id, { type: 'job.finished', job: j });
      zf.readEntry();
      zf.on('entry', (e) => {
        if (e.fileName.endsWith('/')) return zf.readEntry();
        zf.openReadStream(e, (_e, st) => {
          const cs = [];
          st.on('data', (c) => cs.push(c));
          st.on('end', () => {
            const data = Buffer.concat(cs);
            if (e.fileName === 'metadata.json' || e.fileName.endsWith('.ndjson')) {
              /* metadata */
            } else if (e.fileName.includes('..')) rejected.push({ entry: e.fileName, reason: 'path traversal' });
            else if (addMedia(w.id, path.basename(e.fileName).replace(/^[0-9a-f-]{36}-/, ''), data)) imported++;
            else rejected.push({ entry: e.fileName, reason: 'not an image' });
            zf.readEntry();
          });
        });
      });
      zf.on('end', () => setTimeout(() => finish(w.id, j, { imported, rejected }), 300));
    });
    return;
  }
  return fail(res, 404, 'not_found', 'No such route.');
}

const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json', '.svg': 'image/svg+xml' };
http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
      if (url.pathname.startsWith('/api/')) return await api(req, res, url);
      const t = /^\/mock-thumbs\/([^/]+)\/(small|large)\.webp$/.exec(url.pathname);
      if (t) {
        const buf = media.get(t[1])?.thumbs[t[2]];
        if (!buf) return fail(res, 404, 'not_found', 'no thumbnail');
        res.writeHead(200, { 'content-type': 'image/webp', 'cache-control': 'public, max-age=31536000, immutable' });
        return res.end(buf);
      }
      const d = /^\/mock-downloads\/([^/]+)\.zip$/.exec(url.pathname);
      if (d) {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="export.zip"' });
        return res.end(downloads.get(d[1]));
      }
      let file = path.join(dist, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dist, 'index.html');
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    } catch (e) {
      console.error(e);
      if (!res.headersSent) fail(res, 500, 'internal', 'mock failure');
    }
  })
  .listen(port, '127.0.0.1', function () {
    console.log(`mock API (development only) at http://127.0.0.1:${this.address().port}`);
  });

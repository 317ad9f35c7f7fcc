import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgres } from '../support/servers.js';
import { Client, listFiles, multipart, PNG_1PX, until, webEnv, type Env } from './helpers.js';

/**
 * The web service's JSON API over a real PostgreSQL, the in-process bus and a
 * temp-folder bucket: every route, the auth rules, and bad input.
 */
const pg = await findPostgres();
const OTHER = '00000000-0000-4000-8000-000000000000';

describe.skipIf(!pg.url)('web API', () => {
  let env: Env;
  let alice: Client; // owner of wsA
  let bob: Client; // viewer in wsA
  let carol: Client; // editor in wsA
  let mallory: Client; // member of nothing of alice's; owns wsM
  let wsA: string;
  let wsM: string;

  beforeAll(async () => {
    env = await webEnv(pg.url!, { env: { BIGAPP_LOGIN_MAX_ATTEMPTS: '5' } });
    alice = await new Client(env.app).register('alice');
    bob = await new Client(env.app).register('bob');
    carol = await new Client(env.app).register('carol');
    mallory = await new Client(env.app).register('mallory');
    wsA = (await alice.call('POST', '/api/workspaces', { name: 'Holiday' })).json().id;
    wsM = (await mallory.call('POST', '/api/workspaces', { name: 'Mine' })).json().id;
    expect((await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'bob', role: 'viewer' })).statusCode).toBe(201);
    expect((await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'carol', role: 'editor' })).statusCode).toBe(201);
  });
  afterAll(async () => env?.close());

  describe('auth', () => {
    it('the first user is admin, later ones members; /me returns the user and the CSRF token', async () => {
      const me = (await alice.call('GET', '/api/auth/me')).json();
      expect(me).toMatchObject({ user: { username: 'alice', role: 'admin' }, csrfToken: alice.csrf });
      expect((await bob.call('GET', '/api/auth/me')).json().user.role).toBe('member');
    });

    it('sets an HttpOnly SameSite=Lax cookie (Secure is off in test) and never stores the secret', async () => {
      const r = await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: 'correct-horse-battery' } });
      expect(r.statusCode).toBe(200);
      const c = r.cookies.find((x) => x.name === 'bigapp_session')!;
      expect(c).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(c.secure).toBeFalsy();
      expect(c.expires).toBeInstanceOf(Date);
      const rows = await env.db.db.selectFrom('sessions').select('id_hash').execute();
      expect(rows.some((x) => x.id_hash === c.value)).toBe(false);
      expect(rows.some((x) => /^[0-9a-f]{64}$/.test(x.id_hash))).toBe(true);
    });

    it('rotates the session on login: the old cookie stops working', async () => {
      const u = await new Client(env.app).register('rotator');
      const before = u.cookie!;
      const r = await u.call('POST', '/api/auth/login', { username: 'rotator', password: 'correct-horse-battery' });
      expect(r.statusCode).toBe(200);
      expect(u.cookie).not.toBe(before);
      const old = await env.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `bigapp_session=${before}` } });
      expect(old.statusCode).toBe(401);
      expect((await u.call('GET', '/api/auth/me')).statusCode).toBe(200);
    });

    it('logout ends the session', async () => {
      const u = await new Client(env.app).register('leaver');
      const cookie = u.cookie!;
      expect((await u.call('POST', '/api/auth/logout')).statusCode).toBe(204);
      const r = await env.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `bigapp_session=${cookie}` } });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
    });

    it('wrong password and unknown user both answer 401 with the same message', async () => {
      const a = await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bob', password: 'wrong-password!' } });
      const b = await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody-here', password: 'wrong-password!' } });
      expect(a.statusCode).toBe(401);
      expect(b.statusCode).toBe(401);
      expect(a.json().error.message).toBe(b.json().error.message);
    });

    it('rate-limits logins per IP and username with 429 and Retry-After', async () => {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        codes.push((await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'carol', password: 'not-her-password' } })).statusCode);
      }
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.slice(5)).toEqual([429, 429]);
      const r = await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'carol', password: 'correct-horse-battery' } });
      expect(r.statusCode).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.json().error.code).toBe('rate_limited');
      // Another account from the same address is not locked out by carol's limit.
      expect((await env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bob', password: 'correct-horse-battery' } })).statusCode).toBe(200);
    });

    it('rejects a taken username with 409 and bad credentials with 400 naming the field', async () => {
      expect((await env.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: 'alice', password: 'another-password' } })).statusCode).toBe(409);
      const r = await env.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: 'Al', password: 'short' } });
      expect(r.statusCode).toBe(400);
      const fields = r.json().error.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['body.username', 'body.password']));
      expect(r.json().error.message).toMatch(/^body\.(username|password): /);
    });

    it('no session → 401 on every authenticated route', async () => {
      const routes: [string, string][] = [
        ['GET', '/api/auth/me'], ['POST', '/api/auth/logout'], ['GET', '/api/tokens'], ['POST', '/api/tokens'], ['DELETE', `/api/tokens/${OTHER}`],
        ['GET', '/api/workspaces'], ['POST', '/api/workspaces'], ['GET', `/api/workspaces/${wsA}`], ['PATCH', `/api/workspaces/${wsA}`], ['DELETE', `/api/workspaces/${wsA}`],
        ['GET', `/api/workspaces/${wsA}/members`], ['POST', `/api/workspaces/${wsA}/members`], ['PATCH', `/api/workspaces/${wsA}/members/${OTHER}`], ['DELETE', `/api/workspaces/${wsA}/members/${OTHER}`],
        ['GET', `/api/workspaces/${wsA}/media`], ['POST', `/api/workspaces/${wsA}/media`], ['GET', `/api/workspaces/${wsA}/media/${OTHER}`], ['DELETE', `/api/workspaces/${wsA}/media/${OTHER}`],
        ['GET', `/api/workspaces/${wsA}/media/${OTHER}/original`], ['POST', `/api/workspaces/${wsA}/exports`], ['POST', `/api/workspaces/${wsA}/imports`], ['GET', '/api/jobs/x'],
        ['GET', `/api/workspaces/${wsA}/events`],
      ];
      for (const [method, url] of routes) {
        const r = await env.app.inject({ method: method as 'GET', url, headers: { cookie: 'bigapp_session=not-a-session' } });
        expect(r.statusCode, `${method} ${url}`).toBe(401);
        expect(r.json().error.code).toBe('unauthorized');
      }
    });

    it('cookie-authenticated writes need the CSRF header: missing or wrong → 403, nothing changed', async () => {
      const missing = await alice.call('PATCH', `/api/workspaces/${wsA}`, { name: 'Hacked' }, { 'x-csrf-token': '' });
      expect(missing.statusCode).toBe(403);
      expect(missing.json().error.code).toBe('csrf_failed');
      const wrong = await alice.call('POST', '/api/workspaces', { name: 'X' }, { 'x-csrf-token': 'a'.repeat(43) });
      expect(wrong.statusCode).toBe(403);
      expect((await alice.call('GET', `/api/workspaces/${wsA}`)).json().name).toBe('Holiday');
      expect((await alice.call('GET', '/api/workspaces')).json().map((w: { name: string }) => w.name)).toEqual(['Holiday']);
    });
  });

  describe('API tokens', () => {
    it('create (secret once), list (no secret), Bearer auth without CSRF, revoke → 401', async () => {
      const created = await alice.call('POST', '/api/tokens', { name: 'ci' });
      expect(created.statusCode).toBe(201);
      const t = created.json();
      expect(t.token).toMatch(/^bat_[A-Za-z0-9_-]{43}$/);
      const list = (await alice.call('GET', '/api/tokens')).json();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ id: t.id, name: 'ci' });
      expect(JSON.stringify(list)).not.toContain(t.token);
      const stored = await env.db.db.selectFrom('api_tokens').select('token_hash').executeTakeFirstOrThrow();
      expect(stored.token_hash).not.toContain(t.token);

      const api = new Client(env.app);
      api.bearer = t.token;
      expect((await api.call('GET', '/api/auth/me')).json()).toMatchObject({ user: { username: 'alice' }, csrfToken: '' });
      const w = await api.call('POST', '/api/workspaces', { name: 'From CI' });
      expect(w.statusCode).toBe(201);
      expect((await api.call('DELETE', `/api/workspaces/${w.json().id}`)).statusCode).toBe(204);
      expect((await alice.call('GET', '/api/tokens')).json()[0].lastUsedAt).not.toBeNull();

      // Another user cannot revoke it.
      expect((await mallory.call('DELETE', `/api/tokens/${t.id}`)).statusCode).toBe(404);
      expect((await alice.call('DELETE', `/api/tokens/${t.id}`)).statusCode).toBe(204);
      const after = await api.call('GET', '/api/auth/me');
      expect(after.statusCode).toBe(401);
      expect((await alice.call('GET', '/api/tokens')).json()).toEqual([]);
      // A malformed Authorization header is a 401, not a fall back to the cookie.
      expect((await alice.call('GET', '/api/auth/me', undefined, { authorization: 'Basic abc' })).statusCode).toBe(401);
    });

    it('token name validation', async () => {
      const r = await alice.call('POST', '/api/tokens', { name: '' });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.details[0].field).toBe('body.name');
    });
  });

  describe('workspaces and members', () => {
    it('lists only your workspaces with your role; get/rename by role', async () => {
      expect((await bob.call('GET', '/api/workspaces')).json()).toEqual([expect.objectContaining({ id: wsA, role: 'viewer', name: 'Holiday' })]);
      expect((await mallory.call('GET', '/api/workspaces')).json().map((w: { id: string }) => w.id)).toEqual([wsM]);
      expect((await bob.call('GET', `/api/workspaces/${wsA}`)).json()).toMatchObject({ id: wsA, role: 'viewer' });
      expect((await bob.call('PATCH', `/api/workspaces/${wsA}`, { name: 'Bob was here' })).statusCode).toBe(403);
      expect((await carol.call('PATCH', `/api/workspaces/${wsA}`, { name: 'Carol was here' })).statusCode).toBe(403);
      const r = await alice.call('PATCH', `/api/workspaces/${wsA}`, { name: '  Holiday 2024 ' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ name: 'Holiday 2024', role: 'owner' });
    });

    it("another user's workspace id → 404 everywhere, nothing changed or leaked", async () => {
      const calls: [string, string, unknown?][] = [
        ['GET', `/api/workspaces/${wsA}`], ['PATCH', `/api/workspaces/${wsA}`, { name: 'pwned' }], ['DELETE', `/api/workspaces/${wsA}`],
        ['GET', `/api/workspaces/${wsA}/members`], ['POST', `/api/workspaces/${wsA}/members`, { username: 'mallory', role: 'owner' }],
        ['PATCH', `/api/workspaces/${wsA}/members/${mallory.userId}`, { role: 'owner' }], ['DELETE', `/api/workspaces/${wsA}/members/${alice.userId}`],
        ['GET', `/api/workspaces/${wsA}/media`], ['POST', `/api/workspaces/${wsA}/exports`], ['GET', `/api/workspaces/${wsA}/events`],
      ];
      for (const [m, url, body] of calls) {
        const r = await mallory.call(m as 'GET', url, body);
        expect(r.statusCode, `${m} ${url}`).toBe(404);
        expect(r.body).not.toContain('Holiday');
      }
      // An id that does not exist answers the same as one that is not yours.
      expect((await mallory.call('GET', `/api/workspaces/${OTHER}`)).json()).toEqual((await mallory.call('GET', `/api/workspaces/${wsA}`)).json());
      expect((await alice.call('GET', `/api/workspaces/${wsA}/members`)).json()).toHaveLength(3);
    });

    it('members: list by any member, add/change/remove by the owner only; the last owner stays', async () => {
      const list = (await bob.call('GET', `/api/workspaces/${wsA}/members`)).json();
      expect(list.map((m: { username: string; role: string }) => `${m.username}:${m.role}`)).toEqual(['alice:owner', 'bob:viewer', 'carol:editor']);
      expect((await carol.call('POST', `/api/workspaces/${wsA}/members`, { username: 'mallory', role: 'viewer' })).statusCode).toBe(403);
      expect((await bob.call('PATCH', `/api/workspaces/${wsA}/members/${bob.userId}`, { role: 'owner' })).statusCode).toBe(403);
      expect((await carol.call('DELETE', `/api/workspaces/${wsA}/members/${bob.userId}`)).statusCode).toBe(403);
      expect((await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'bob', role: 'editor' })).statusCode).toBe(409);
      expect((await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'nobody-at-all', role: 'editor' })).statusCode).toBe(404);
      expect((await alice.call('PATCH', `/api/workspaces/${wsA}/members/${alice.userId}`, { role: 'editor' })).statusCode).toBe(409);
      expect((await alice.call('DELETE', `/api/workspaces/${wsA}/members/${alice.userId}`)).statusCode).toBe(409);
      // A user id from elsewhere (mallory is not a member) → 404.
      expect((await alice.call('PATCH', `/api/workspaces/${wsA}/members/${mallory.userId}`, { role: 'viewer' })).statusCode).toBe(404);
      expect((await alice.call('DELETE', `/api/workspaces/${wsA}/members/${mallory.userId}`)).statusCode).toBe(404);
      // Add, promote, remove a temporary member.
      const added = await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'mallory', role: 'viewer' });
      expect(added.json()).toEqual({ userId: mallory.userId, username: 'mallory', role: 'viewer' });
      expect((await alice.call('PATCH', `/api/workspaces/${wsA}/members/${mallory.userId}`, { role: 'editor' })).json().role).toBe('editor');
      expect((await alice.call('DELETE', `/api/workspaces/${wsA}/members/${mallory.userId}`)).statusCode).toBe(204);
      expect((await mallory.call('GET', `/api/workspaces/${wsA}`)).statusCode).toBe(404);
    });

    it('bad input: unknown fields, overlong strings, malformed JSON, wrong types, bad ids → 400 naming the field', async () => {
      const unknown = await alice.call('POST', '/api/workspaces', { name: 'ok', admin: true });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.message).toMatch(/unknown field.*admin/);
      expect(unknown.json().error.details[0].field).toBe('body.admin');
      const long = await alice.call('POST', '/api/workspaces', { name: 'x'.repeat(101) });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.message).toMatch(/^body\.name: at most 100/);
      const malformed = await alice.call('POST', '/api/workspaces', '{"name": ', { 'content-type': 'application/json' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toMatchObject({ code: 'bad_request' });
      expect(malformed.json().error.message).toMatch(/JSON/);
      expect(malformed.body).not.toMatch(/at .*\.js|node_modules/);
      const wrongType = await alice.call('POST', '/api/workspaces', { name: 42 });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json().error.details[0].field).toBe('body.name');
      const noBody = await alice.call('POST', '/api/workspaces');
      expect(noBody.statusCode).toBe(400);
      const role = await alice.call('POST', `/api/workspaces/${wsA}/members`, { username: 'mallory', role: 'god' });
      expect(role.json().error.details[0].field).toBe('body.role');
      const badId = await alice.call('GET', '/api/workspaces/not-a-uuid');
      expect(badId.statusCode).toBe(400);
      expect(badId.json().error.details[0].field).toBe('params.id');
      const proto = await alice.call('POST', '/api/workspaces', '{"name":"x","__proto__":{"a":1}}', { 'content-type': 'application/json' });
      expect(proto.statusCode).toBe(400);
      const text = await alice.call('POST', '/api/workspaces', 'name=x', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
      const huge = await alice.call('POST', '/api/workspaces', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), { 'content-type': 'application/json' });
      expect(huge.statusCode).toBe(413);
      const q = await alice.call('GET', `/api/workspaces/${wsA}/media?limit=1000`);
      expect(q.json().error.details[0].field).toBe('query.limit');
      const q2 = await alice.call('GET', `/api/workspaces/${wsA}/media?sort=name`);
      expect(q2.json().error.details[0].field).toBe('query.sort');
      const q3 = await alice.call('GET', `/api/workspaces/${wsA}/media?cursor=garbage`);
      expect(q3.json().error.details[0].field).toBe('query.cursor');
      expect((await alice.call('GET', '/api/nothing-here')).json()).toMatchObject({ error: { code: 'not_found' } });
    });
  });

  describe('media', () => {
    let mediaId: string;

    it('editor uploads: streamed to the bucket, SHA-256 recorded, an image job in the ledger', async () => {
      const content = Buffer.concat([PNG_1PX, Buffer.alloc(10_000, 7)]);
      const { payload, headers } = multipart(content, 'beach.PNG.jpg');
      const r = await carol.call('POST', `/api/workspaces/${wsA}/media`, payload, headers);
      expect(r.statusCode, r.body).toBe(201);
      const m = r.json();
      expect(m).toMatchObject({ workspaceId: wsA, filename: 'beach.PNG.jpg', contentType: 'image/png', size: content.length, status: 'processing', thumbnails: null });
      mediaId = m.id;
      const row = await env.db.db.selectFrom('media').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
      const { createHash } = await import('node:crypto');
      expect(row.sha256).toBe(createHash('sha256').update(content).digest('hex'));
      expect(row.original_key).toBe(`originals/${wsA}/${m.id}`);
      const job = await env.db.db.selectFrom('jobs').selectAll().where('id', '=', row.job_id!).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ service: 'image', type: 'thumbnail', workspace_id: wsA, payload: { workspaceId: wsA, mediaId: m.id, key: row.original_key } });
      const got = await env.bucket.get(row.original_key);
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
      expect(got.contentType).toBe('image/png');
    });

    it('viewer and non-member cannot upload; nothing stored', async () => {
      const before = await listFiles(env.bucketDir);
      const { payload, headers } = multipart(PNG_1PX);
      expect((await bob.call('POST', `/api/workspaces/${wsA}/media`, payload, headers)).statusCode).toBe(403);
      expect((await mallory.call('POST', `/api/workspaces/${wsA}/media`, payload, headers)).statusCode).toBe(404);
      expect(await listFiles(env.bucketDir)).toEqual(before);
    });

    it('oversized upload → 413, no row and no object', async () => {
      const count = async () => Number((await env.db.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await count();
      const files = await listFiles(env.bucketDir);
      const big = Buffer.concat([PNG_1PX, Buffer.alloc(env.config.uploadMaxBytes + 10)]);
      const { payload, headers } = multipart(big);
      const r = await carol.call('POST', `/api/workspaces/${wsA}/media`, payload, headers);
      expect(r.statusCode).toBe(413);
      expect(r.json().error.code).toBe('too_large');
      // Just over the limit, so the early Content-Length check does not catch it: the stream does.
      const edge = Buffer.concat([PNG_1PX, Buffer.alloc(env.config.uploadMaxBytes - PNG_1PX.length + 1)]);
      const e = multipart(edge);
      const r2 = await carol.call('POST', `/api/workspaces/${wsA}/media`, e.payload, e.headers);
      expect(r2.statusCode).toBe(413);
      expect(await count()).toBe(rows);
      expect(await listFiles(env.bucketDir)).toEqual(files);
      expect(await listFiles(`${env.bucketDir}/.bigapp/tmp`).catch(() => [])).toEqual([]);
    });

    it('a .jpg that is text, an SVG, and an empty file → 415 with a clear reason, nothing stored', async () => {
      const files = await listFiles(env.bucketDir);
      const text = multipart(Buffer.from('hello, I am not a photo\n'.repeat(50)), 'cat.jpg');
      const r1 = await carol.call('POST', `/api/workspaces/${wsA}/media`, text.payload, text.headers);
      expect(r1.statusCode).toBe(415);
      expect(r1.json().error.message).toMatch(/not a recognised image.*JPEG, PNG, WebP, GIF, AVIF and TIFF/);
      const svg = multipart(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'logo.jpg');
      const r2 = await carol.call('POST', `/api/workspaces/${wsA}/media`, svg.payload, svg.headers);
      expect(r2.statusCode).toBe(415);
      expect(r2.json().error.message).toMatch(/SVG/);
      const empty = multipart(Buffer.alloc(0), 'empty.png');
      expect((await carol.call('POST', `/api/workspaces/${wsA}/media`, empty.payload, empty.headers)).statusCode).toBe(415);
      const wrongField = multipart(PNG_1PX, 'a.png', 'photo');
      const r3 = await carol.call('POST', `/api/workspaces/${wsA}/media`, wrongField.payload, wrongField.headers);
      expect(r3.statusCode).toBe(400);
      expect(r3.json().error.message).toMatch(/field named "file"/);
      const json = await carol.call('POST', `/api/workspaces/${wsA}/media`, { file: 'x' });
      expect(json.statusCode).toBe(415);
      expect(await listFiles(env.bucketDir)).toEqual(files);
    });

    it('list (keyset pages), get, download original, and other workspaces’ ids → 404', async () => {
      for (let i = 0; i < 4; i++) {
        const { payload, headers } = multipart(Buffer.concat([PNG_1PX, Buffer.from([i])]), `p${i}.png`);
        expect((await carol.call('POST', `/api/workspaces/${wsA}/media`, payload, headers)).statusCode).toBe(201);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { items: { id: string }[]; nextCursor: string | null } = (await bob.call('GET', `/api/workspaces/${wsA}/media?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
        seen.push(...r.items.map((m) => m.id));
        cursor = r.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(seen[4]).toBe(mediaId); // newest first
      expect((await bob.call('GET', `/api/workspaces/${wsA}/media/${mediaId}`)).json()).toMatchObject({ id: mediaId, filename: 'beach.PNG.jpg' });
      const dl = await bob.call('GET', `/api/workspaces/${wsA}/media/${mediaId}/original`);
      expect(dl.statusCode).toBe(200);
      expect(dl.headers['content-disposition']).toBe(`attachment; filename="beach.PNG.jpg"; filename*=UTF-8''beach.PNG.jpg`);
      expect(dl.headers['content-type']).toBe('image/png');
      expect(dl.rawPayload.subarray(0, 8).equals(PNG_1PX.subarray(0, 8))).toBe(true);
      // Mallory: her own workspace id with alice's media id, and alice's workspace id.
      for (const url of [`/api/workspaces/${wsM}/media/${mediaId}`, `/api/workspaces/${wsM}/media/${mediaId}/original`, `/api/workspaces/${wsA}/media/${mediaId}`, `/api/workspaces/${wsA}/media/${mediaId}/original`]) {
        expect((await mallory.call('GET', url)).statusCode, url).toBe(404);
      }
      expect((await mallory.call('DELETE', `/api/workspaces/${wsM}/media/${mediaId}`)).statusCode).toBe(404);
      expect((await mallory.call('DELETE', `/api/workspaces/${wsA}/media/${mediaId}`)).statusCode).toBe(404);
      expect((await bob.call('DELETE', `/api/workspaces/${wsA}/media/${mediaId}`)).statusCode).toBe(403);
      expect((await bob.call('GET', `/api/workspaces/${wsA}/media/${mediaId}`)).statusCode).toBe(200);
    });

    it('delete removes the row and the bucket objects', async () => {
      const row = await env.db.db.selectFrom('media').select('original_key').where('id', '=', mediaId).executeTakeFirstOrThrow();
      expect(await env.bucket.head(row.original_key)).not.toBeNull();
      expect((await carol.call('DELETE', `/api/workspaces/${wsA}/media/${mediaId}`)).statusCode).toBe(204);
      expect(await env.bucket.head(row.original_key)).toBeNull();
      expect((await carol.call('GET', `/api/workspaces/${wsA}/media/${mediaId}`)).statusCode).toBe(404);
    });
  });

  describe('jobs', () => {
    it('export → 202 {jobId}; job status for members only; finished export has a downloadUrl', async () => {
      expect((await bob.call('POST', `/api/workspaces/${wsA}/exports`)).statusCode).toBe(403);
      const r = await carol.call('POST', `/api/workspaces/${wsA}/exports`);
      expect(r.statusCode).toBe(202);
      const { jobId } = r.json();
      const v = (await bob.call('GET', `/api/jobs/${jobId}`)).json();
      expect(v).toMatchObject({ id: jobId, kind: 'export', status: 'queued', attempts: 0, downloadUrl: null });
      expect((await mallory.call('GET', `/api/jobs/${jobId}`)).statusCode).toBe(404);
      expect((await mallory.call('GET', `/api/jobs/nope`)).statusCode).toBe(404);
      // Simulate the export worker finishing: its archive in the bucket, its status on export.done.
      const key = `exports/${wsA}/${jobId}.zip`;
      await env.bucket.put(key, Buffer.from('PK\u0003\u0004fake'), { contentType: 'application/zip' });
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      await env.ledger.applyStatus('export', { v: 1, id: jobId, type: 'workspace', status: 'succeeded', attempt: 1, ts: Date.now(), result: { key, bytes: 8, items: 0, expiresAt } });
      const done = (await carol.call('GET', `/api/jobs/${jobId}`)).json();
      expect(done).toMatchObject({ status: 'succeeded', result: { key } });
      expect(done.downloadUrl).toMatch(new RegExp(`^/bucket/exports/${wsA}/${jobId}\\.zip\\?method=GET&exp=\\d+&sig=[0-9a-f]{64}$`));
      const file = await env.app.inject({ method: 'GET', url: done.downloadUrl });
      expect(file.statusCode).toBe(200);
      expect(file.body).toContain('fake');
      expect(file.headers['cache-control']).toBe('private, max-age=300');
      const forgedUrl = done.downloadUrl.slice(0, -1) + (done.downloadUrl.endsWith('0') ? '1' : '0');
      const forged = await env.app.inject({ method: 'GET', url: forgedUrl });
      expect(forged.statusCode).toBe(403);
    });

    it('import: multipart ZIP → bucket imports/... → durable import job; non-zip → 415', async () => {
      const zip = multipart(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]), 'archive.zip', 'file', 'application/zip');
      expect((await bob.call('POST', `/api/workspaces/${wsA}/imports`, zip.payload, zip.headers)).statusCode).toBe(403);
      const r = await carol.call('POST', `/api/workspaces/${wsA}/imports`, zip.payload, zip.headers);
      expect(r.statusCode).toBe(202);
      const job = await env.db.db.selectFrom('jobs').selectAll().where('id', '=', r.json().jobId).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ service: 'import', type: 'archive', workspace_id: wsA });
      const key = (job.payload as { key: string }).key;
      expect(key).toMatch(new RegExp(`^imports/${wsA}/[0-9a-f-]{36}\\.zip$`));
      expect(await env.bucket.head(key)).not.toBeNull();
      const notZip = multipart(Buffer.from('just text'), 'archive.zip');
      expect((await carol.call('POST', `/api/workspaces/${wsA}/imports`, notZip.payload, notZip.headers)).statusCode).toBe(415);
      expect((await bob.call('GET', `/api/jobs/${r.json().jobId}`)).json()).toMatchObject({ kind: 'import', status: 'queued' });
    });
  });

  describe('docs and UI', () => {
    it('OpenAPI 3.1 document lists every /api route the app serves', async () => {
      const r = await env.app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(r.statusCode).toBe(200);
      const doc = JSON.parse(r.body);
      expect(doc.openapi).toBe('3.1.0');
      const documented = new Set<string>();
      for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(item)) documented.add(`${m.toUpperCase()} ${p}`);
      const routes = env.app.printRoutes({ commonPrefix: false });
      expect(routes).toContain('api');
      // Every documented operation answers something other than the 404 handler.
      for (const op of documented) {
        const [m, p] = op.split(' ') as [string, string];
        const url = p.replace(/\{(\w+)\}/g, OTHER);
        const res = await env.app.inject({ method: m as 'GET', url });
        expect(res.body, op).not.toMatch(/No route/);
      }
      // And every /api route the app registered is documented.
      const registeredRoutes = env.app.routeList;
      for (const r of registeredRoutes) {
        if (!r.url.startsWith('/api/') || r.method === 'HEAD') continue;
        expect(documented, `${r.method} ${r.url}`).toContain(`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      }
      expect(registeredRoutes.filter((r) => r.url.startsWith('/api/')).length).toBeGreaterThan(20);
      for (const s of Object.values(doc.components.schemas)) expect(s).toBeTypeOf('object');
      expect(doc.components.schemas.Media.properties.thumbnails).toBeDefined();
      const docs = await env.app.inject({ method: 'GET', url: '/api/docs' });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-security-policy']).toMatch(/script-src 'sha256-/);
      expect(docs.body).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    });

    it('without ui/dist, / and SPA paths say the UI is not built; /api paths stay JSON', async () => {
      const r = await env.app.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(200);
      expect(r.body).toMatch(/UI is not built.*npm run build/);
      expect((await env.app.inject({ method: 'GET', url: '/workspaces/123' })).body).toMatch(/not built/);
      expect((await env.app.inject({ method: 'GET', url: '/api/unknown' })).headers['content-type']).toMatch(/json/);
    });
  });

  describe('workspace delete', () => {
    it('owner deletes: rows and bucket objects gone; editors cannot', async () => {
      const ws = (await alice.call('POST', '/api/workspaces', { name: 'Temp' })).json().id;
      await alice.call('POST', `/api/workspaces/${ws}/members`, { username: 'carol', role: 'editor' });
      const { payload, headers } = multipart(PNG_1PX, 'x.png');
      const m = (await carol.call('POST', `/api/workspaces/${ws}/media`, payload, headers)).json();
      await env.bucket.put(`thumbs/${ws}/${m.id}-abc-256.webp`, Buffer.from('thumb'));
      expect((await carol.call('DELETE', `/api/workspaces/${ws}`)).statusCode).toBe(403);
      expect((await alice.call('DELETE', `/api/workspaces/${ws}`)).statusCode).toBe(204);
      expect(await env.db.db.selectFrom('media').select('id').where('workspace_id', '=', ws).execute()).toEqual([]);
      const left = (await listFiles(env.bucketDir)).filter((f) => f.includes(ws));
      expect(left).toEqual([]);
      expect((await alice.call('GET', `/api/workspaces/${ws}`)).statusCode).toBe(404);
    });
  });
});

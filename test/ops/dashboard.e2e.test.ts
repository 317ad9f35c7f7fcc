/**
 * The operations dashboard in a browser: the real `bigapp start web demo image`
 * over a throwaway redis-server (so this test can enqueue from outside) and
 * PostgreSQL, driven by Debian's headless Chromium through playwright-core.
 * An admin watches the demo queue grow and drain, sees a dead letter, retries
 * it and it succeeds, opens an upload's job page with its trace; a member
 * gets 403. Screenshots in test-artifacts/ops/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, haveChromium, launchChromium, requireChromium, warnIfNoChromium } from '../support/browser.js';
import { createLogger, openBus, type Bus, type Cache, type Consumer } from '@bigapp/kit';
import { throwawayDatabase } from '../db/helpers.js';
import { BIN, runBigapp, type Spawned } from '../support/processes.js';
import { freePort, redisServerAvailable, ThrowawayRedis } from '../support/redis-server.js';
import { findPostgres } from '../support/servers.js';

const isCI = process.env.CI === 'true';
warnIfNoChromium('ops dashboard browser test');
const pg = await findPostgres();
const built = existsSync(BIN);
if (!built) console.warn('\n*** SKIPPED: ops dashboard browser test — run `npx tsc -b` first (npm test does). ***\n');
const haveRedis = redisServerAvailable();
if (!haveRedis) console.warn('\n*** SKIPPED: ops dashboard browser test — redis-server is not installed. ***\n');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts/ops');
const PASSWORD = 'correct horse battery';
const log = createLogger({ level: 'silent', pretty: false });

describe.skipIf((!haveChromium || !pg.url || !built || !haveRedis) && !isCI)('ops dashboard in the browser', () => {
  let app: Spawned;
  let redis: ThrowawayRedis;
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let dataDir: string;
  let base: string;
  let bus: Bus;
  let cache: Cache;
  let cmdWorker: Consumer | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const screenshot = (p: Page, name: string) => p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    requireChromium();
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const f of await fs.readdir(ARTIFACTS)) if (f.endsWith('.png')) await fs.rm(path.join(ARTIFACTS, f));
    const browserReady = launchChromium();
    redis = await ThrowawayRedis.start();
    database = await throwawayDatabase(pg.url!);
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-ops-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = runBigapp(['start', 'web', 'demo', 'image'], {
      BIGAPP_ENV: 'test',
      REDIS_URL: redis.url,
      REDIS_CACHE_URL: '',
      DATABASE_URL: database.url,
      BIGAPP_DATA_DIR: dataDir,
      BIGAPP_DEMO_TICK_MS: '0',
      BIGAPP_HTTP_PORT: String(port),
      BIGAPP_HTTP_HOST: '127.0.0.1',
      BIGAPP_HEARTBEAT_MS: '300',
      BIGAPP_CONSUMER_TTL_MS: '1500',
    });
    await app.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('web: listening'), 60_000);
    ({ bus, cache } = openBus({ redisUrl: redis.url, log }));
    browser = await browserReady;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectProblems(page, problems);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (cmdWorker) await bus.stopConsumer(cmdWorker, 0).catch(() => undefined);
    await bus?.close(0).catch(() => undefined);
    await cache?.close().catch(() => undefined);
    if (app && app.proc.exitCode === null) {
      app.proc.kill('SIGTERM');
      const killer = setTimeout(() => app.proc.kill('SIGKILL'), 10_000);
      await app.exited;
      clearTimeout(killer);
    }
    await database?.drop().catch(() => undefined);
    await redis?.destroy();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  const cell = (service: string, col: string) => page.locator(`tr[data-service="${service}"] td[data-col="${col}"]`);
  const num = async (service: string, col: string) => Number(await cell(service, col).textContent());

  it('an admin sees a queue grow and drain, and retries a dead letter that then succeeds', async () => {
    // The first account is the admin.
    await page.goto('/');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByTestId('no-workspaces').waitFor();

    // The header link (keyboard: focus and Enter).
    await page.getByRole('link', { name: 'Operations' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ops$/);
    await page.getByRole('heading', { level: 1, name: 'Operations' }).waitFor();
    await page.getByTestId('ops-live').getByText('Live').waitFor();
    await cell('demo', 'queued').waitFor();
    await screenshot(page, '01-overview');

    // Each echo waits 1.5 s; with 50 at a time (and 64 taken ahead) most of 300 sit in the queue a while.
    const N = 300;
    const refs = await Promise.all(Array.from({ length: N }, (_, i) => bus.enqueue('demo', 'echo', { text: `hello ${i}`, delayMs: 1500 })));
    expect(refs).toHaveLength(N);
    await expect.poll(() => num('demo', 'queued'), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, '02-queue-grows');
    await expect.poll(async () => (await num('demo', 'queued')) === 0 && (await num('demo', 'done-hour')) >= N, { timeout: 40_000 }).toBe(true);
    await screenshot(page, '03-queue-drained');

    // A failed job: cmd.run has no worker in this app; the test's stand-in fails until told otherwise.
    let failing = true;
    cmdWorker = await bus.work({
      service: 'cmd',
      concurrency: 1,
      handlers: {
        run: {
          handler: async () => {
            if (failing) throw new Error('the stand-in cmd worker is failing on purpose');
            return { ok: true, output: 'fine now' };
          },
        },
      } as never,
    });
    const { id } = await bus.enqueue('cmd', 'run', { op: 'db:status', args: [], actor: 'e2e' }, { maxAttempts: 1 });
    await expect.poll(() => num('cmd', 'dead'), { timeout: 15_000 }).toBe(1);
    const dead = page.getByTestId('dead-cmd');
    await dead.getByText(id).waitFor();
    await dead.getByText('failing on purpose').waitFor();
    await screenshot(page, '04-dead-letter');

    // Purge asks first; Cancel keeps the letter.
    await dead.getByRole('button', { name: 'Purge' }).click();
    const confirm = page.getByRole('dialog', { name: /Purge the dead letters of cmd/ });
    await confirm.waitFor();
    await screenshot(page, '05-confirm-purge');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await num('cmd', 'dead')).toBe(1);

    failing = false;
    await dead.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect.poll(() => num('cmd', 'dead'), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => num('cmd', 'done-hour'), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await page.getByText('No dead letters.').waitFor();
    await screenshot(page, '06-retried');
    // The retried run succeeded: its last status in cmd.done.
    const statuses = (await bus.transport.range('cmd.done', 0, 10)).map((r) => JSON.parse(r) as { id: string; status: string });
    expect(statuses.find((s) => s.id === id)?.status).toBe('succeeded');

    // The chart is there (samples every 10 s: at least the axis caption).
    await page.getByText('Queue depth (queued + delayed), last hour').waitFor();
    expect(problems).toEqual([]);
  }, 120_000);

  it("an upload's job page shows the ledger row, the attempt and the trace tree", async () => {
    const me = await (await page.request.get('/api/auth/me')).json();
    const h = { 'x-csrf-token': me.csrfToken as string };
    const ws = await (await page.request.post('/api/workspaces', { data: { name: 'Traced' }, headers: h })).json();
    const up = await page.request.post(`/api/workspaces/${ws.id}/media`, {
      headers: h,
      multipart: { file: { name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex') } },
    });
    expect(up.status()).toBe(201);
    const { default: pgm } = await import('pg');
    const client = new pgm.Client({ connectionString: database.url });
    await client.connect();
    let jobId = '';
    let status = '';
    try {
      // Finished either way (the real image worker may reject a 1-pixel image): the page shows which.
      await expect.poll(async () => {
        const r = await client.query<{ id: string; status: string }>("select id, status from jobs where service = 'image' order by created_at desc limit 1");
        jobId = r.rows[0]?.id ?? '';
        status = r.rows[0]?.status ?? '';
        return ['succeeded', 'failed', 'dead'].includes(status);
      }, { timeout: 20_000 }).toBe(true);
    } finally {
      await client.end();
    }
    await page.getByLabel('Job id').fill(jobId);
    await page.getByLabel('Job id').press('Enter');
    await page.waitForURL(/\/ops\/jobs\//);
    await expect.poll(() => page.getByTestId('job-status').textContent(), { timeout: 10_000 }).toBe(status);
    await page.getByTestId('job-attempts').getByRole('cell', { name: status === 'succeeded' ? 'succeeded' : 'failed' }).first().waitFor();
    const trace = page.getByTestId('job-trace');
    await trace.getByText('POST /api/workspaces/:id/media').waitFor();
    await trace.getByText('enqueue image.thumbnail').waitFor();
    await trace.getByText('run image.thumbnail').waitFor();
    await screenshot(page, '07-job-page');
    await page.getByRole('link', { name: '← Operations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Operations' }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);

  it('a member gets 403 at /ops and /api/ops', async () => {
    const ctx2 = await browser.newContext({ viewport: { width: 1024, height: 700 }, baseURL: base });
    const p2 = await ctx2.newPage();
    try {
      await p2.goto('/');
      await p2.getByRole('button', { name: 'Create account' }).click();
      await p2.getByLabel('Username').fill('member');
      await p2.getByLabel('Password').fill(PASSWORD);
      await p2.getByLabel('Password').press('Enter');
      await p2.getByTestId('no-workspaces').waitFor();
      expect(await p2.getByRole('link', { name: 'Operations' }).count()).toBe(0);
      await p2.goto('/ops');
      await p2.getByRole('heading', { name: '403 — admins only' }).waitFor();
      await screenshot(p2, '08-member-403');
      const r = await p2.request.get('/api/ops/overview');
      expect(r.status()).toBe(403);
      const anon = await fetch(`${base}/api/ops/overview`);
      expect(anon.status).toBe(401);
    } finally {
      await ctx2.close();
    }
  });
});

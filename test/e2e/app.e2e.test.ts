/**
 * The browser end to end: the real `bigapp start web image export import`
 * (embedded PostgreSQL, in-process bus, local bucket) driven by Debian's
 * headless Chromium through playwright-core. Screenshots of every step land
 * in test-artifacts/e2e/.
 *
 * E2E_BASE_URL=http://host:port runs the same scenario against an app that is
 * already running (for example test/e2e/mock-server.mjs while developing the UI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, haveChromium, launchChromium, requireChromium, warnIfNoChromium } from '../support/browser.js';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { runBigapp, type Spawned } from '../support/processes.js';
import { throwawayDatabase } from '../db/helpers.js';

const isCI = process.env.CI === 'true';
warnIfNoChromium('browser e2e tests');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts/e2e');
const PASSWORD = 'correct horse battery';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, app: Spawned | null, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (app && app.proc.exitCode !== null) throw new Error(`bigapp exited (${app.proc.exitCode}) before serving:\n${app.output().slice(-4000)}`);
    try {
      const r = await fetch(url);
      const body = await r.text();
      if (r.ok && body.includes('<div id="root">')) return;
      last = `${r.status} ${body.slice(0, 200)}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not serve the UI within ${timeoutMs} ms (last: ${last})${app ? `\n${app.output().slice(-4000)}` : ''}`);
}

/** Names and bytes of the regular entries of a ZIP. */
function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2 ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(e.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

async function images() {
  // Noise compresses badly, so the truncated JPEG is cut well inside its scan data.
  const noise = (w: number, h: number) => {
    const b = Buffer.alloc(w * h * 3);
    for (let i = 0; i < b.length; i++) b[i] = (i * 7919 + ((i / 3) | 0) * 31) & 0xff;
    return sharp(b, { raw: { width: w, height: h, channels: 3 } });
  };
  const jpeg = await noise(640, 480).jpeg({ quality: 85 }).toBuffer();
  const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 40, g: 140, b: 200 } } })
    .composite([{ input: await noise(200, 150).png().toBuffer(), top: 75, left: 100 }])
    .png()
    .toBuffer();
  const whole = await noise(800, 600).jpeg({ quality: 90 }).toBuffer();
  const truncated = whole.subarray(0, Math.floor(whole.length * 0.4));
  return {
    good: [
      { name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: jpeg },
      { name: 'harbour.png', mimeType: 'image/png', buffer: png },
    ],
    broken: { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: truncated },
  };
}

describe.skipIf(!haveChromium && !isCI)('browser end to end (Chromium + the real app)', () => {
  let app: Spawned | null = null;
  let dataDir: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  let base = process.env.E2E_BASE_URL ?? '';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];
  let shot = 0;
  const screenshot = async (name: string) => {
    shot++;
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    requireChromium();
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const f of await fs.readdir(ARTIFACTS)) if (f.endsWith('.png')) await fs.rm(path.join(ARTIFACTS, f));
    const browserReady = launchChromium();
    if (!base) {
      const port = await freePort();
      const env: Record<string, string> = { BIGAPP_ENV: 'test', BIGAPP_HTTP_PORT: String(port), BIGAPP_HTTP_HOST: '127.0.0.1' };
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-e2e-'));
      env.BIGAPP_DATA_DIR = dataDir;
      if (process.env.DATABASE_URL) {
        // A shared server is faster than initialising an embedded one.
        const db = await throwawayDatabase(process.env.DATABASE_URL);
        env.DATABASE_URL = db.url;
        dropDb = db.drop;
      }
      // No Redis: the in-process bus (an empty value counts as unset).
      app = runBigapp(['start', 'web', 'image', 'export', 'import'], { ...env, REDIS_URL: '', REDIS_CACHE_URL: '' });
      base = `http://127.0.0.1:${port}`;
      await waitForHttp(base + '/', app, 60_000);
    } else {
      await waitForHttp(base + '/', null, 10_000);
    }
    browser = await browserReady;
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 }, baseURL: base });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectProblems(page, problems);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (app) {
      app.proc.kill('SIGTERM');
      const killer = setTimeout(() => app?.proc.kill('SIGKILL'), 10_000);
      await app.exited;
      clearTimeout(killer);
    }
    await dropDb?.().catch(() => undefined);
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('register, upload, see thumbnails and a failure, export, import, and a second user sees nothing', async () => {
    const files = await images();
    const suffix = Date.now().toString(36);
    const alice = `alice-${suffix}`;
    const bob = `bob-${suffix}`;
    const cards = page.getByTestId('media-card');
    const ready = page.locator('[data-testid="media-card"][data-status="ready"]');
    const failed = page.locator('[data-testid="media-card"][data-status="failed"]');
    /** Every ready card's thumbnail has really been decoded by the browser. */
    const thumbnailsLoaded = (n: number) =>
      page.waitForFunction(
        (count) => {
          const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-status="ready"] .thumb img')];
          return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
        },
        n,
        { timeout: 30_000 },
      );

    // 1. Register (keyboard: Enter submits).
    await page.goto('/');
    await page.getByRole('button', { name: 'Create account' }).click();
    await screenshot('register');
    await page.getByLabel('Username').fill(alice);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await expect.poll(() => page.getByTestId('no-workspaces').isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshot('signed-in-empty');

    // 2. Create a workspace.
    await page.getByLabel('New workspace').fill('Holiday photos');
    await page.getByLabel('New workspace').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Holiday photos' }).waitFor();
    await page.waitForURL(/\/w\/[^/]+$/);
    const ws1 = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);

    // Members dialog opens from a button and Escape closes it.
    await page.getByRole('button', { name: 'Members' }).click();
    const dialog = page.getByRole('dialog', { name: /Members of/ });
    await dialog.waitFor();
    await dialog.getByRole('cell', { name: `${alice} (you)` }).waitFor();
    await screenshot('members-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // 3. Upload: two valid images with the file picker, the corrupt one by drag and drop.
    await page.getByLabel('Images to upload').setInputFiles(files.good);
    const dt = await page.evaluateHandle(({ name, bytes }) => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' }));
      return d;
    }, { name: files.broken.name, bytes: [...files.broken.buffer] });
    const section = page.locator('section.workspace');
    await section.dispatchEvent('dragenter', { dataTransfer: dt });
    await section.dispatchEvent('dragover', { dataTransfer: dt });
    await screenshot('dragging');
    await section.dispatchEvent('drop', { dataTransfer: dt });
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(3);
    await screenshot('uploading');

    // 4. Two thumbnails appear live and one failure shows on its item.
    await expect.poll(() => ready.count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => failed.count(), { timeout: 30_000 }).toBe(1);
    await thumbnailsLoaded(2);
    expect(await failed.getAttribute('data-filename')).toBe('broken.jpg');
    const reason = (await failed.getByTestId('media-error').textContent())?.replace(/^Failed:\s*/, '').trim() ?? '';
    expect(reason.length).toBeGreaterThan(5);
    await screenshot('thumbnails-and-failure');

    // Delete the failed item (the export service archives every item, failed
    // ones too), so the archive holds exactly the two good originals.
    await failed.getByRole('button', { name: 'Delete broken.jpg' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete image' });
    await confirm.waitFor();
    await screenshot('confirm-delete');
    await confirm.getByRole('button', { name: 'Delete image' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(2);

    // 5. Export, wait for the link, download, and look inside.
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const link = page.getByTestId('export-download');
    await link.waitFor({ timeout: 30_000 });
    await screenshot('export-ready');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const archive = path.join(ARTIFACTS, 'export.zip');
    await download.saveAs(archive);
    const entries = await readZip(archive);
    const originals = [...entries].filter(([, bytes]) => files.good.some((f) => f.buffer.equals(bytes)));
    const imageEntries = [...entries].filter(([name]) => /\.(jpe?g|png|webp|gif|avif|tiff?)$/i.test(name));
    expect(originals.length, `archive entries: ${[...entries.keys()].join(', ')}`).toBe(2);
    expect(imageEntries.length, `archive entries: ${[...entries.keys()].join(', ')}`).toBe(2);
    expect([...entries.keys()]).toContain('metadata.json');

    // 6. A second workspace, import the archive, see the same two items.
    await page.getByLabel('New workspace').fill('Imported');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Imported' }).waitFor();
    await page.getByLabel('Archive to import').setInputFiles(archive);
    await page.getByTestId('import-count').waitFor({ timeout: 30_000 });
    expect((await page.getByTestId('import-count').textContent())?.trim()).toBe('2');
    await expect.poll(() => ready.count(), { timeout: 30_000 }).toBe(2);
    await thumbnailsLoaded(2);
    expect((await ready.evaluateAll((els) => els.map((e) => e.getAttribute('data-filename')))).sort()).toEqual(['harbour.png', 'sunset.jpg']);
    expect(await failed.count()).toBe(0);
    await screenshot('imported');

    // 7. Readable on a phone: 360 px wide, nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 780 });
    await page.getByRole('link', { name: /Holiday photos/ }).click();
    await expect.poll(() => ready.count(), { timeout: 15_000 }).toBe(2);
    await thumbnailsLoaded(2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot('phone-360');
    await page.setViewportSize({ width: 1280, height: 860 });

    // 8. Sign out; a second user sees none of it.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill(bob);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByTestId('no-workspaces').waitFor();
    expect(await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('link').count()).toBe(0);
    await screenshot('second-user');
    const direct = await page.request.get(`/api/workspaces/${ws1}/media`);
    expect([403, 404]).toContain(direct.status());
    const list = await page.request.get('/api/workspaces');
    expect(list.status()).toBe(200);
    expect(JSON.stringify(await list.json())).not.toContain(ws1);
    // Opening the first user's workspace by address shows nothing of it.
    await page.goto(`/w/${ws1}`);
    await page.getByRole('heading', { name: 'Workspace not found' }).waitFor();
    expect(await cards.count()).toBe(0);

    expect(problems, problems.join('\n')).toEqual([]);
  }, 90_000);
});

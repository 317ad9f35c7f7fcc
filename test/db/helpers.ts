import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseDbEnv, type DbConfig } from '../../packages/kit/src/db/index.js';

/**
 * A database of its own on a shared server, so test files never see each
 * other's tables and the server itself is never touched. Dropped WITH (FORCE)
 * so a connection a failed test leaked cannot keep it alive.
 */
export async function throwawayDatabase(serverUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `bigapp_t_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => admin(serverUrl, `drop database if exists ${name} with (force)`) };
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

export async function tempDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-db-test-'));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function testConfig(url: string | undefined, env: Record<string, string> = {}): DbConfig {
  return parseDbEnv({ ...(url ? { DATABASE_URL: url } : {}), DATABASE_CONNECT_RETRIES: '2', DATABASE_CONNECT_TIMEOUT_MS: '2000', ...env });
}

/** Log sink that keeps entries, so tests can assert what was reported. */
export function memoryLog() {
  const entries: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

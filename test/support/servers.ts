import net from 'node:net';

/**
 * Finds the shared servers tests may use. An explicit URL wins; otherwise the
 * machine's default port is probed. When nothing is found the suite is
 * skipped loudly, except under CI=true, where a missing server is a failure.
 */
const isCI = process.env.CI === 'true';

function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface Found { url: string | undefined; reason: string }

async function find(envName: string, defaultUrl: string, host: string, port: number, what: string): Promise<Found> {
  const fromEnv = process.env[envName];
  if (fromEnv) return { url: fromEnv, reason: '' };
  if (await canConnect(host, port)) return { url: defaultUrl, reason: '' };
  const reason = `${envName} is unset and no ${what} answers on ${host}:${port}`;
  if (isCI) throw new Error(`CI=true but ${reason}; .ci/run must start it`);
  // Loud on purpose: a skipped suite must never look like a passing one.
  console.warn(`\n*** SKIPPED: ${what} tests — ${reason}. Set ${envName} or start the server to run them. ***\n`);
  return { url: undefined, reason };
}

export const findRedis = () => find('REDIS_URL', 'redis://127.0.0.1:6379', '127.0.0.1', 6379, 'Redis');
export const findPostgres = () => find('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres', '127.0.0.1', 5432, 'PostgreSQL');

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

export type ReadinessCheck = () => Promise<void>;

/**
 * /healthz (the process is alive), /readyz (its dependencies answer, and it
 * is not draining) and /metrics, on a port of its own so that probes and
 * scrapes never queue behind application traffic.
 */
export class OpsServer {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;
  private server: http.Server | undefined;

  constructor(private readonly metrics: Metrics, private readonly log: Logger) {}

  addCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  setDraining(): void {
    this.draining = true;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await Promise.race([check(), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer within 2 s')), 2_000).unref())]);
          results[name] = 'ok';
        } catch (err) {
          results[name] = (err as Error).message || 'failed';
        }
      }),
    );
    if (this.draining) results.process = 'draining';
    return { ready: Object.values(results).every((v) => v === 'ok'), checks: results };
  }

  async listen(port: number, host: string): Promise<number> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET only' } }));
      if (url === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
      if (url === '/readyz') {
        const r = await this.readiness();
        return send(r.ready ? 200 : 503, JSON.stringify({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks }));
      }
      if (url === '/metrics') return send(200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
      return send(404, JSON.stringify({ error: { code: 'not_found', message: 'try /healthz, /readyz or /metrics' } }));
    } catch (err) {
      this.log.error({ err }, 'ops endpoint failed');
      send(500, JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

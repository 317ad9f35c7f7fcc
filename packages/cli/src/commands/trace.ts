import type { Command } from 'commander';

import type { OpsJob as JobPage, SpanView as Span } from '@bigapp/contracts';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

class TraceError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** The spans as an indented tree (children under their parent, by start time) with offsets from the first span. */
export function formatSpanTree(spans: Span[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) kids.set(s.parentSpanId, [...(kids.get(s.parentSpanId) ?? []), s]);
    else roots.push(s);
  }
  const t0 = spans.length ? Math.min(...spans.map((s) => s.startMs)) : 0;
  const out: string[] = [];
  const walk = (s: Span, depth: number) => {
    const where = `${s.service}${s.instance ? `/${s.instance}` : ''}`;
    out.push(`${'  '.repeat(depth)}${s.name}  [${KINDS[s.kind] ?? s.kind}, ${where}]  +${(s.startMs - t0).toFixed(1)} ms, ${s.durationMs.toFixed(1)} ms${s.status === 'error' ? '  ERROR' : ''}`);
    for (const c of kids.get(s.spanId) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

export function formatJob(j: JobPage): string {
  const lines = [
    `job ${j.id}`,
    `  ${j.service}.${j.type}  status ${j.status}  attempts ${j.attempts}/${j.maxAttempts}`,
    `  created ${j.createdAt}${j.finishedAt ? `  finished ${j.finishedAt}` : ''}`,
    `  trace ${j.traceId ?? '-'}`,
  ];
  if (j.error) lines.push(`  error ${JSON.stringify(j.error)}`);
  lines.push('', 'attempts:');
  if (!j.attemptLog.length) lines.push('  (no finished attempt yet)');
  for (const a of j.attemptLog) {
    lines.push(`  #${a.attempt} ${a.status}  worker ${a.worker ?? '-'}  ${a.durationMs === null ? '-' : `${a.durationMs} ms`}  ${a.at}${a.error ? `  ${a.error.code}: ${a.error.message}` : ''}`);
  }
  lines.push('', 'trace:');
  if (j.traceNote) lines.push(`  (${j.traceNote})`);
  lines.push(...formatSpanTree(j.trace).map((l) => `  ${l}`));
  return lines.join('\n');
}

export async function fetchJob(base: string, token: string | undefined, jobId: string): Promise<JobPage> {
  if (!token) throw new TraceError('an API token is needed: --token <token> or BIGAPP_TOKEN (create one with POST /api/tokens as an admin)', 2);
  const url = `${base.replace(/\/+$/, '')}/api/ops/jobs/${encodeURIComponent(jobId)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new TraceError(`cannot reach the web service at ${base} (${(err as Error).cause ? String((err as { cause: { code?: string } }).cause.code ?? (err as Error).message) : (err as Error).message}); is it running? (--url)`);
  }
  const body = (await res.json().catch(() => null)) as ({ error?: { message?: string } } & Partial<JobPage>) | null;
  const msg = body?.error?.message ? `: ${body.error.message}` : '';
  if (res.status === 401) throw new TraceError(`401 unauthorized — the token is unknown or revoked${msg}`);
  if (res.status === 403) throw new TraceError(`403 forbidden — the dashboard is for admins only; use an admin's token${msg}`);
  if (res.status === 404) throw new TraceError(`404 — job ${jobId} is not in the ledger (only image, export and import jobs are recorded)`);
  if (!res.ok || !body) throw new TraceError(`the web service answered ${res.status}${msg}`);
  return body as JobPage;
}

export function register(program: Command): void {
  program
    .command('trace')
    .description("a job's ledger row, attempts and trace (span tree), from the web service's /api/ops/jobs/:id")
    .argument('<jobId>', 'the job id (from the dashboard, an upload response, or the ledger)')
    .option('--url <url>', 'web base URL', 'http://localhost:8080')
    .option('--token <token>', 'an admin API token (default: BIGAPP_TOKEN)')
    .option('--json', 'print the JSON')
    .action(async (jobId: string, opts: { url: string; token?: string; json?: boolean }) => {
      try {
        const job = await fetchJob(opts.url, opts.token ?? process.env.BIGAPP_TOKEN, jobId);
        process.stdout.write(opts.json ? `${JSON.stringify(job, null, 2)}\n` : `${formatJob(job)}\n`);
      } catch (err) {
        process.stderr.write(`bigapp trace: ${(err as Error).message}\n`);
        process.exit(err instanceof TraceError ? err.exitCode : 1);
      }
    });
}

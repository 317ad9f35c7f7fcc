import { useCallback, useEffect, useState } from 'react';
import { ConfirmDialog } from '../components/Dialog.js';
import { describeError } from '../format.js';
import { useAction } from '../hooks.js';
import { linkHandler } from '../router.js';
import { LineChart, type Series } from './Chart.js';
import { opsApi, type DeadEntry, type Overview, type ServiceOverview } from './api.js';
import './ops.css';

export const opsJobPath = (id: string): string => `/ops/jobs/${encodeURIComponent(id)}`;

const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);
const ago = (t: number | undefined, now: number) => (t ? `${Math.max(0, Math.round((now - t) / 1000))} s ago` : '—');

/** The overview, from GET /api/ops/overview and then every 2 s from the SSE stream. */
function useOverview(): { overview: Overview | null; error: string | null; live: boolean; refresh: () => void } {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const refresh = useCallback(() => {
    opsApi.overview().then(
      (o) => {
        setOverview(o);
        setError(null);
      },
      (e: unknown) => setError(describeError(e)),
    );
  }, []);
  useEffect(() => {
    refresh();
    const es = new EventSource('/api/ops/events');
    es.addEventListener('overview', (e) => {
      try {
        setOverview(JSON.parse((e as MessageEvent<string>).data) as Overview);
        setLive(true);
        setError(null);
      } catch {
        /* a partial frame: the next one comes in 2 s */
      }
    });
    es.onerror = () => setLive(false);
    return () => es.close();
  }, [refresh]);
  return { overview, error, live, refresh };
}

/** One line per service that had any activity (all services summed when none had); `now` adds the live value as the last point. */
function series(o: Overview, pick: (p: Overview['history']['points'][number], s: string) => number, now?: (s: ServiceOverview) => number): Series[] {
  const all = o.services.map((svc) => {
    const points = o.history.points.map((p) => [p.t, pick(p, svc.service)] as [number, number]);
    if (now && o.at > (points.at(-1)?.[0] ?? 0)) points.push([o.at, now(svc)]);
    return { name: svc.service, points };
  });
  const active = all.filter((s) => s.points.some(([, v]) => v > 0));
  if (active.length || !all[0]) return active;
  return [{ name: 'all services', points: all[0].points.map(([t], i) => [t, all.reduce((n, s) => n + (s.points[i]?.[1] ?? 0), 0)] as [number, number]) }];
}

export function OpsPage(props: { navigate: (path: string) => void; announce: (s: string) => void }) {
  const { overview, error, live, refresh } = useOverview();
  const [jobId, setJobId] = useState('');
  useEffect(() => {
    document.title = 'Operations · bigapp';
  }, []);
  const now = overview?.at ?? Date.now();
  const interval = (overview?.history.intervalMs ?? 10_000) / 1000;
  return (
    <section className="ops" aria-labelledby="ops-title">
      <div className="ws-head">
        <h1 id="ops-title">Operations</h1>
        <span className={live ? 'live live-live' : 'live'} data-testid="ops-live">
          {live ? 'Live' : 'Connecting…'}
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form
        className="inline ops-lookup"
        onSubmit={(e) => {
          e.preventDefault();
          if (jobId.trim()) props.navigate(opsJobPath(jobId.trim()));
        }}
      >
        <label htmlFor="ops-job-id">Job id</label>
        <input id="ops-job-id" value={jobId} onChange={(e) => setJobId(e.target.value)} placeholder="a ledger job id" />
        <button type="submit">Open job</button>
      </form>
      {!overview && !error && <p className="muted">Loading…</p>}
      {overview && (
        <>
          <div className="ops-table-wrap">
            <table className="ops-table" data-testid="ops-services">
              <caption className="visually-hidden">Queues per service</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Queued</th>
                  <th scope="col">In flight</th>
                  <th scope="col">Delayed</th>
                  <th scope="col">Dead</th>
                  <th scope="col">Done 1 min</th>
                  <th scope="col">Done 1 h</th>
                  <th scope="col">Jobs/s</th>
                  <th scope="col">p50</th>
                  <th scope="col">p95</th>
                  <th scope="col">Consumers</th>
                </tr>
              </thead>
              <tbody>
                {overview.services.map((s) => (
                  <tr key={s.service} data-service={s.service}>
                    <th scope="row">{s.service}</th>
                    <td data-col="queued">{s.queued}</td>
                    <td data-col="inflight">{s.inflight}</td>
                    <td data-col="delayed">{s.delayed}</td>
                    <td data-col="dead" className={s.dead ? 'error' : ''}>
                      {s.dead}
                    </td>
                    <td data-col="done-minute">{s.doneLastMinute}</td>
                    <td data-col="done-hour">{s.doneLastHour}</td>
                    <td>{s.jobsPerSecond}</td>
                    <td>{ms(s.p50Ms)}</td>
                    <td>{ms(s.p95Ms)}</td>
                    <td>
                      <Consumers s={s} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="ops-charts">
            <LineChart title="Queue depth (queued + delayed), last hour" unit="jobs" series={series(overview, (p, s) => p.queued[s] ?? 0, (s) => s.queued + s.delayed)} />
            <LineChart title="Throughput (jobs/s), last hour" unit="jobs/s" series={series(overview, (p, s) => Math.round(((p.done[s] ?? 0) / interval) * 100) / 100)} />
          </div>
          <h2>Dead letters</h2>
          {overview.services.every((s) => s.dead === 0) && <p className="muted">No dead letters.</p>}
          {overview.services
            .filter((s) => s.dead > 0)
            .map((s) => (
              <DeadLetters key={s.service} service={s.service} dead={s.dead} navigate={props.navigate} announce={props.announce} onChanged={refresh} />
            ))}
        </>
      )}
    </section>
  );
}

function Consumers(props: { s: ServiceOverview; now: number }) {
  const alive = props.s.consumers.filter((c) => c.alive);
  if (!alive.length) return <span className="muted">none</span>;
  return (
    <details>
      <summary>{alive.length} alive</summary>
      <ul className="ops-consumers">
        {alive.map((c) => (
          <li key={c.id}>
            {c.host ?? '?'}
            {c.pid ? `:${c.pid}` : ''} {c.role ? `(${c.role})` : ''} v{c.version ?? '?'} · heartbeat {ago(c.heartbeatAt, props.now)}
          </li>
        ))}
      </ul>
    </details>
  );
}

function DeadLetters(props: { service: string; dead: number; navigate: (p: string) => void; announce: (s: string) => void; onChanged: () => void }) {
  const { service, dead, onChanged, announce } = props;
  const [entries, setEntries] = useState<DeadEntry[] | null>(null);
  const [confirm, setConfirm] = useState<'retry' | 'purge' | null>(null);
  const [busy, error, run] = useAction();
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = useCallback(() => {
    opsApi.dead(service).then(
      (e) => {
        setEntries(e);
        setLoadError(null);
      },
      (e: unknown) => setLoadError(describeError(e)),
    );
  }, [service]);
  useEffect(() => load(), [load, dead]);
  const after = (msg: string) => {
    announce(msg);
    load();
    onChanged();
  };
  return (
    <section className="ops-dead" aria-labelledby={`dead-${service}`} data-testid={`dead-${service}`}>
      <div className="toolbar">
        <h3 id={`dead-${service}`}>
          {service}: {dead} dead
        </h3>
        <button type="button" onClick={() => setConfirm('retry')} disabled={busy}>
          Retry all
        </button>
        <button type="button" className="danger" onClick={() => setConfirm('purge')} disabled={busy}>
          Purge
        </button>
      </div>
      {(error || loadError) && (
        <p className="error" role="alert">
          {error ?? loadError}
        </p>
      )}
      {entries && (
        <ul className="ops-dead-list">
          {entries.map((e, i) => (
            <li key={`${e.id ?? 'x'}-${i}`}>
              <div>
                <strong>{e.type ?? '?'}</strong>{' '}
                {e.id ? (
                  <a href={`/ops/jobs/${encodeURIComponent(e.id)}`} onClick={linkHandler(props.navigate, `/ops/jobs/${encodeURIComponent(e.id)}`)}>
                    {e.id}
                  </a>
                ) : (
                  <span className="muted">no id</span>
                )}{' '}
                <span className="muted">
                  {e.reason} · {new Date(e.ts).toLocaleString()}
                </span>
              </div>
              <div className="error">{e.error}</div>
              <code className="ops-preview">{e.preview}</code>
              {e.id && (
                <button
                  type="button"
                  className="link"
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      const r = await opsApi.retry(service, [e.id!]);
                      after(`Retried ${r.retried} job of ${service}.`);
                    })
                  }
                >
                  Retry
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {confirm === 'retry' && (
        <ConfirmDialog
          title={`Retry all dead jobs of ${service}?`}
          message={`The ${dead} dead jobs go back to ${service}'s queue as fresh first attempts. This is recorded in the audit log.`}
          confirmLabel="Retry all"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const r = await opsApi.retry(service);
            after(`Retried ${r.retried} jobs of ${service}.`);
          }}
        />
      )}
      {confirm === 'purge' && (
        <ConfirmDialog
          title={`Purge the dead letters of ${service}?`}
          message={`The ${dead} dead letters are deleted for good. This is recorded in the audit log.`}
          confirmLabel="Purge"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const r = await opsApi.purge(service);
            after(`Purged ${r.purged} dead letters of ${service}.`);
          }}
        />
      )}
    </section>
  );
}

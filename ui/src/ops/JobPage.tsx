import { useEffect, useState } from 'react';
import { describeError } from '../format.js';
import { linkHandler } from '../router.js';
import { opsApi, spanTree, type JobPage as Job } from './api.js';
import './ops.css';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 2));

/** One job: its ledger row, its attempts, and its trace as an indented waterfall. */
export function JobPage(props: { id: string; navigate: (path: string) => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = `Job ${props.id} · bigapp`;
    let on = true;
    opsApi.job(props.id).then(
      (j) => on && setJob(j),
      (e: unknown) => on && setError(e && typeof e === 'object' && 'status' in e && e.status === 404 ? 'This job is not in the ledger (only image, export and import jobs are recorded there).' : describeError(e)),
    );
    return () => {
      on = false;
    };
  }, [props.id]);
  const tree = job ? spanTree(job.trace) : [];
  const t0 = tree.length ? Math.min(...tree.map((r) => r.span.startMs)) : 0;
  const t1 = tree.length ? Math.max(...tree.map((r) => r.span.startMs + r.span.durationMs)) : 1;
  const total = Math.max(0.001, t1 - t0);
  return (
    <section className="ops" aria-labelledby="job-title">
      <p>
        <a href="/ops" onClick={linkHandler(props.navigate, '/ops')}>
          ← Operations
        </a>
      </p>
      <h1 id="job-title">Job {props.id}</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!job && !error && <p className="muted">Loading…</p>}
      {job && (
        <>
          <dl className="ops-row" data-testid="job-row">
            <dt>Service / type</dt>
            <dd>
              {job.service}.{job.type}
            </dd>
            <dt>Status</dt>
            <dd data-testid="job-status">{job.status}</dd>
            <dt>Attempts</dt>
            <dd>
              {job.attempts} of {job.maxAttempts}
            </dd>
            <dt>Created</dt>
            <dd>{new Date(job.createdAt).toLocaleString()}</dd>
            <dt>Finished</dt>
            <dd>{job.finishedAt ? new Date(job.finishedAt).toLocaleString() : '—'}</dd>
            <dt>Trace id</dt>
            <dd>
              <code>{job.traceId ?? '—'}</code>
            </dd>
          </dl>
          <h2>Attempts</h2>
          {job.attemptLog.length === 0 ? (
            <p className="muted">No finished attempt yet.</p>
          ) : (
            <table className="ops-table ops-attempts" data-testid="job-attempts">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Status</th>
                  <th scope="col">Worker</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Error</th>
                  <th scope="col">At</th>
                </tr>
              </thead>
              <tbody>
                {job.attemptLog.map((a) => (
                  <tr key={a.attempt}>
                    <td>{a.attempt}</td>
                    <td>{a.status}</td>
                    <td>{a.worker ?? '—'}</td>
                    <td>{a.durationMs === null ? '—' : `${a.durationMs} ms`}</td>
                    <td>{a.error ? `${a.error.code}: ${a.error.message}` : '—'}</td>
                    <td>{new Date(a.at).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Trace</h2>
          {job.traceNote && <p className="muted">{job.traceNote}</p>}
          {tree.length > 0 && (
            <ul className="ops-trace" data-testid="job-trace" aria-label="Spans, indented under their parent">
              {tree.map(({ span, depth }) => (
                <li key={span.spanId} style={{ paddingLeft: `${depth * 1.25}rem` }}>
                  <span className={span.status === 'error' ? 'span-name error' : 'span-name'}>{span.name}</span>{' '}
                  <span className="muted small">
                    {KINDS[span.kind] ?? span.kind} · {span.service}
                    {span.instance ? `/${span.instance}` : ''} · {span.durationMs.toFixed(1)} ms
                  </span>
                  <span className="span-track" aria-hidden="true">
                    <span className="span-bar" style={{ left: `${((span.startMs - t0) / total) * 100}%`, width: `${Math.max(0.5, (span.durationMs / total) * 100)}%` }} />
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h2>Payload</h2>
          <pre className="ops-json">{json(job.payload)}</pre>
          <h2>Result</h2>
          <pre className="ops-json">{json(job.result)}</pre>
          {job.error !== null && (
            <>
              <h2>Error</h2>
              <pre className="ops-json error">{json(job.error)}</pre>
            </>
          )}
        </>
      )}
    </section>
  );
}

import { importJobs, exportJobs } from '@bigapp/contracts';
import { describeError, formatBytes, percent } from '../format.js';
import { isRunning, type TrackedJob } from '../jobs.js';

const phaseText: Record<TrackedJob['phase'], string> = {
  uploading: 'Uploading archive…',
  queued: 'Waiting for a worker…',
  active: 'Working…',
  succeeded: 'Done',
  failed: 'Failed',
};

export function JobList(props: { jobs: TrackedJob[]; onDismiss: (localId: string) => void }) {
  return (
    <ul className="jobs" aria-label="Exports and imports">
      {props.jobs.map((j) => (
        <li key={j.localId} className={`job job-${j.phase}`} data-testid={`job-${j.kind}`} data-phase={j.phase}>
          <div className="job-head">
            <strong>{j.kind === 'export' ? 'Export' : `Import${j.fileName ? ` of ${j.fileName}` : ''}`}</strong>
            <span className="small">{phaseText[j.phase]}</span>
            {!isRunning(j) && (
              <button type="button" className="link" onClick={() => props.onDismiss(j.localId)} aria-label={`Dismiss ${j.kind}`}>
                Dismiss
              </button>
            )}
          </div>
          {isRunning(j) && (
            <progress max={1} value={j.phase === 'queued' ? undefined : j.progress} aria-label={`${j.kind} progress`}>
              {percent(j.progress)}
            </progress>
          )}
          {isRunning(j) && j.phase !== 'queued' && <span className="small muted">{percent(j.progress)}</span>}
          {j.phase === 'failed' && (
            <p className="error small" role="alert">
              {j.error ?? (describeError(j.view?.error) || 'The job failed.')}
            </p>
          )}
          {j.phase === 'succeeded' && j.kind === 'export' && <ExportResult job={j} />}
          {j.phase === 'succeeded' && j.kind === 'import' && <ImportResult job={j} />}
        </li>
      ))}
    </ul>
  );
}

function ExportResult({ job }: { job: TrackedJob }) {
  const r = exportJobs.workspace.result.safeParse(job.view?.result);
  const url = job.view?.downloadUrl;
  return (
    <p className="small">
      {r.success && (
        <>
          {r.data.items} item{r.data.items === 1 ? '' : 's'}, {formatBytes(r.data.bytes)}.{' '}
        </>
      )}
      {url ? (
        <a className="button primary" href={url} download data-testid="export-download">
          Download archive
        </a>
      ) : (
        <span className="muted">No download link was given.</span>
      )}
      {r.success && <span className="muted"> Link expires {new Date(r.data.expiresAt).toLocaleString()}.</span>}
    </p>
  );
}

function ImportResult({ job }: { job: TrackedJob }) {
  const r = importJobs.archive.result.safeParse(job.view?.result);
  if (!r.success) return <p className="small">Imported.</p>;
  const { imported, rejected } = r.data;
  return (
    <div className="small" data-testid="import-result">
      <p>
        Imported <strong data-testid="import-count">{imported}</strong> item{imported === 1 ? '' : 's'}
        {rejected.length ? `, rejected ${rejected.length}` : ''}.
      </p>
      {rejected.length > 0 && (
        <table className="rejected">
          <caption className="visually-hidden">Rejected entries</caption>
          <thead>
            <tr>
              <th scope="col">Entry</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {rejected.map((x, i) => (
              <tr key={i}>
                <td>
                  <code>{x.entry}</code>
                </td>
                <td>{x.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

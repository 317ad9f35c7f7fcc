import type { Media } from '../api/client.js';
import { api } from '../api/client.js';
import { formatBytes } from '../format.js';

export function MediaGrid(props: {
  items: Media[];
  workspaceId: string;
  canDelete: boolean;
  onOpen: (m: Media) => void;
  onDelete: (m: Media) => void;
}) {
  return (
    <ul className="grid" aria-label="Images">
      {props.items.map((m) => (
        <li key={m.id} className={`card card-${m.status}`} data-testid="media-card" data-status={m.status} data-filename={m.filename}>
          <div className="thumb">
            {m.status === 'ready' && m.thumbnails ? (
              <button type="button" className="thumb-button" onClick={() => props.onOpen(m)} aria-label={`Preview ${m.filename}`}>
                <img
                  src={m.thumbnails.small}
                  srcSet={`${m.thumbnails.small} 256w, ${m.thumbnails.large} 1024w`}
                  sizes="(max-width: 480px) 50vw, 200px"
                  alt=""
                  loading="lazy"
                  decoding="async"
                />
              </button>
            ) : m.status === 'failed' ? (
              <div className="thumb-failed" aria-hidden="true">
                !
              </div>
            ) : (
              <div className="thumb-processing">
                <span className="spinner" aria-hidden="true" />
                <span className="small">Processing…</span>
              </div>
            )}
          </div>
          <div className="card-body">
            <p className="filename" title={m.filename}>
              {m.filename}
            </p>
            {m.status === 'failed' ? (
              <p className="error small" data-testid="media-error">
                <strong>Failed:</strong> {m.error ?? 'could not be processed'}
              </p>
            ) : (
              <p className="muted small">
                {m.width && m.height ? `${m.width}×${m.height} · ` : ''}
                {formatBytes(m.size)}
              </p>
            )}
            <div className="card-actions">
              <a href={api.originalUrl(props.workspaceId, m.id)} download={m.filename} aria-label={`Download original of ${m.filename}`}>
                Original
              </a>
              {props.canDelete && (
                <button type="button" className="link danger" onClick={() => props.onDelete(m)} aria-label={`Delete ${m.filename}`}>
                  Delete
                </button>
              )}
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { WorkspaceEvent } from '@bigapp/contracts';
import { api, type Media, type Session, type Workspace } from '../api/client.js';
import { followWorkspace, type LiveState } from '../api/events.js';
import { describeError, formatBytes, percent } from '../format.js';
import { useAction } from '../hooks.js';
import type { Jobs } from '../jobs.js';
import { ConfirmDialog, Dialog } from './Dialog.js';
import { JobList } from './JobList.js';
import { MediaGrid } from './MediaGrid.js';
import { MembersDialog } from './MembersDialog.js';

interface Upload {
  key: string;
  name: string;
  size: number;
  progress: number;
  state: 'queued' | 'uploading' | 'done' | 'failed';
  error?: string;
}

const MAX_PARALLEL_UPLOADS = 3;

/** Processing only ever ends (ready or failed): never let a stale copy undo that. */
function newer(old: Media | undefined, incoming: Media): Media {
  if (old && old.status !== 'processing' && incoming.status === 'processing') return old;
  return incoming;
}

function upsert(list: Media[], m: Media, atFront = true): Media[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i === -1) return atFront ? [m, ...list] : [...list, m];
  const copy = list.slice();
  copy[i] = newer(list[i], m);
  return copy;
}

type DialogName = 'rename' | 'members' | 'delete' | null;

export function WorkspaceView(props: {
  workspace: Workspace;
  session: Session;
  jobs: Jobs;
  announce: (s: string) => void;
  onRenamed: (w: Workspace) => void;
  onDeleted: (id: string) => void;
}) {
  const ws = props.workspace;
  const canEdit = ws.role === 'owner' || ws.role === 'editor';
  const isOwner = ws.role === 'owner';

  const [items, setItems] = useState<Media[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [live, setLive] = useState<LiveState>('connecting');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [toDelete, setToDelete] = useState<Media | null>(null);
  const [preview, setPreview] = useState<Media | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);
  const queue = useRef<{ key: string; file: File }[]>([]);
  const active = useRef(0);
  const opened = useRef(0);
  const stateRef = useRef({ cursor, loaded: items !== null });
  stateRef.current = { cursor, loaded: items !== null };
  const { applyEvent } = props.jobs;
  const { announce } = props;

  const loadFirstPage = useCallback(
    async (mode: 'replace' | 'merge') => {
      try {
        const page = await api.media(ws.id);
        setListError(null);
        if (mode === 'replace' || !stateRef.current.loaded) {
          setItems(page.items);
          setCursor(page.nextCursor);
        } else {
          // After a reconnect: fold in what changed while we were away.
          setItems((old) => {
            if (!old) return page.items;
            if (!stateRef.current.cursor) {
              const byId = new Map(old.map((m) => [m.id, m]));
              return page.items.map((m) => newer(byId.get(m.id), m));
            }
            return page.items.reduceRight((acc, m) => upsert(acc, m), old);
          });
        }
      } catch (e) {
        setListError(describeError(e));
      }
    },
    [ws.id],
  );

  // The media list, then the live stream; every reconnection refetches the
  // first page so nothing missed while offline stays stale.
  useEffect(() => {
    void loadFirstPage('replace');
    opened.current = 0;
    const onEvent = (e: WorkspaceEvent) => {
      if (e.workspaceId && e.workspaceId !== ws.id) return;
      if (e.type === 'media.updated') {
        setItems((old) => (old ? upsert(old, e.media) : old));
        if (e.media.status === 'failed') announce(`${e.media.filename} could not be processed.`);
      } else if (e.type === 'media.deleted') {
        setItems((old) => (old ? old.filter((m) => m.id !== e.mediaId) : old));
        setPreview((p) => (p?.id === e.mediaId ? null : p));
      } else {
        applyEvent(e);
        if (e.type === 'job.finished' && e.job.kind === 'import') void loadFirstPage('merge');
      }
    };
    return followWorkspace(api.eventsUrl(ws.id), {
      onEvent,
      onState: setLive,
      onOpen: () => {
        if (opened.current++ > 0) void loadFirstPage('merge');
      },
    });
  }, [ws.id, loadFirstPage, applyEvent, announce]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.media(ws.id, cursor);
      setItems((old) => page.items.reduce((acc, m) => upsert(acc, m, false), old ?? []));
      setCursor(page.nextCursor);
    } catch (e) {
      setListError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  // Uploads: a small queue, a few in parallel, one progress bar each.
  const patchUpload = (key: string, patch: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)));
  const pump = () => {
    while (active.current < MAX_PARALLEL_UPLOADS && queue.current.length) {
      const next = queue.current.shift()!;
      active.current++;
      patchUpload(next.key, { state: 'uploading' });
      const h = api.upload(ws.id, next.file, (f) => patchUpload(next.key, { progress: f }));
      h.done
        .then(
          (m) => {
            setItems((old) => upsert(old ?? [], m));
            patchUpload(next.key, { state: 'done', progress: 1 });
            setTimeout(() => setUploads((all) => all.filter((u) => u.key !== next.key)), 4000);
          },
          (e: unknown) => patchUpload(next.key, { state: 'failed', error: describeError(e) }),
        )
        .finally(() => {
          active.current--;
          pump();
        });
    }
  };
  const addFiles = (files: FileList | File[]) => {
    const list = Array.from(files);
    if (!list.length) return;
    const added = list.map((file) => ({ key: `${Date.now()}-${Math.random().toString(36).slice(2)}`, file }));
    setUploads((all) => [...all, ...added.map(({ key, file }) => ({ key, name: file.name, size: file.size, progress: 0, state: 'queued' as const }))]);
    queue.current.push(...added);
    announce(`Uploading ${list.length} file${list.length === 1 ? '' : 's'}.`);
    pump();
  };

  const startExport = async () => {
    const localId = `x-${Date.now()}`;
    props.jobs.add({ localId, jobId: null, workspaceId: ws.id, kind: 'export', phase: 'queued', progress: 0 });
    try {
      const jobId = await api.startExport(ws.id);
      props.jobs.update(localId, { jobId });
    } catch (e) {
      props.jobs.update(localId, { phase: 'failed', error: describeError(e) });
    }
  };
  const startImport = (file: File) => {
    const localId = `i-${Date.now()}`;
    props.jobs.add({ localId, jobId: null, workspaceId: ws.id, kind: 'import', phase: 'uploading', progress: 0, fileName: file.name });
    const h = api.startImport(ws.id, file, (f) => props.jobs.update(localId, { progress: f }));
    h.done.then(
      (jobId) => props.jobs.update(localId, { jobId, phase: 'queued', progress: 0 }),
      (e: unknown) => props.jobs.update(localId, { phase: 'failed', error: describeError(e) }),
    );
  };

  const dropProps = canEdit
    ? {
        onDragEnter: (e: React.DragEvent) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          dragDepth.current++;
          setDragging(true);
        },
        onDragOver: (e: React.DragEvent) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        },
        onDragLeave: () => {
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDragging(false);
        },
        onDrop: (e: React.DragEvent) => {
          e.preventDefault();
          dragDepth.current = 0;
          setDragging(false);
          addFiles(e.dataTransfer.files);
        },
      }
    : {};

  const wsJobs = props.jobs.jobs.filter((j) => j.workspaceId === ws.id);
  const processing = items?.filter((m) => m.status === 'processing').length ?? 0;

  return (
    <section className={dragging ? 'workspace dragging' : 'workspace'} aria-labelledby="ws-title" {...dropProps}>
      <header className="ws-head">
        <div>
          <h1 id="ws-title">{ws.name}</h1>
          <p className="muted small">
            Your role: <span className={`role role-${ws.role}`}>{ws.role}</span>
            <span className={`live live-${live}`} title="Live updates">
              {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
            </span>
          </p>
        </div>
        <div className="toolbar" role="group" aria-label="Workspace actions">
          <button type="button" onClick={() => setDialog('members')}>
            Members
          </button>
          {isOwner && (
            <button type="button" onClick={() => setDialog('rename')}>
              Rename
            </button>
          )}
          <button type="button" onClick={() => void startExport()}>
            Export
          </button>
          {canEdit && (
            <>
              <button type="button" onClick={() => importInput.current?.click()}>
                Import…
              </button>
              <input
                ref={importInput}
                className="visually-hidden"
                type="file"
                accept=".zip,application/zip"
                tabIndex={-1}
                aria-label="Archive to import"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) startImport(f);
                  e.target.value = '';
                }}
              />
            </>
          )}
          {isOwner && (
            <button type="button" className="danger" onClick={() => setDialog('delete')}>
              Delete
            </button>
          )}
        </div>
      </header>

      {canEdit && (
        <div className={dragging ? 'dropzone active' : 'dropzone'}>
          <p>
            <strong>Drop images here</strong> <span className="muted">or</span>{' '}
            <button type="button" className="primary" onClick={() => fileInput.current?.click()}>
              Choose files…
            </button>
          </p>
          <p className="muted small">JPEG, PNG, WebP, GIF, AVIF or TIFF.</p>
          <input
            ref={fileInput}
            className="visually-hidden"
            type="file"
            accept="image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff"
            multiple
            tabIndex={-1}
            aria-label="Images to upload"
            onChange={(e) => {
              if (e.target.files) addFiles(e.target.files);
              e.target.value = '';
            }}
          />
        </div>
      )}

      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key} className={`upload upload-${u.state}`} data-testid="upload">
              <div className="upload-line">
                <span className="upload-name">{u.name}</span>
                <span className="muted small">{formatBytes(u.size)}</span>
                <span className="small upload-state">
                  {u.state === 'queued' ? 'Waiting' : u.state === 'uploading' ? percent(u.progress) : u.state === 'done' ? 'Uploaded' : 'Not uploaded'}
                </span>
              </div>
              {u.state === 'failed' ? (
                <div className="upload-error">
                  <span className="error small" role="alert">
                    {u.error}
                  </span>
                  <button type="button" className="link" onClick={() => setUploads((all) => all.filter((x) => x.key !== u.key))} aria-label={`Dismiss ${u.name}`}>
                    Dismiss
                  </button>
                </div>
              ) : (
                <progress max={1} value={u.progress} aria-label={`Upload of ${u.name}`}>
                  {percent(u.progress)}
                </progress>
              )}
            </li>
          ))}
        </ul>
      )}

      {wsJobs.length > 0 && <JobList jobs={wsJobs} onDismiss={props.jobs.dismiss} />}

      {listError && (
        <p className="error" role="alert">
          {listError}{' '}
          <button type="button" onClick={() => void loadFirstPage('replace')}>
            Retry
          </button>
        </p>
      )}
      {items === null && !listError && <p className="muted">Loading media…</p>}
      {items && items.length === 0 && (
        <p className="empty-media muted">{canEdit ? 'No images yet. Drop some here or choose files.' : 'No images yet.'}</p>
      )}
      {items && items.length > 0 && (
        <>
          <p className="muted small" aria-live="polite">
            {items.length}
            {cursor ? '+' : ''} item{items.length === 1 ? '' : 's'}
            {processing > 0 ? `, ${processing} processing` : ''}
          </p>
          <MediaGrid
            items={items}
            workspaceId={ws.id}
            canDelete={canEdit}
            onOpen={setPreview}
            onDelete={setToDelete}
          />
        </>
      )}
      {cursor && (
        <p className="center">
          <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}

      {dialog === 'rename' && <RenameDialog workspace={ws} onClose={() => setDialog(null)} onRenamed={props.onRenamed} />}
      {dialog === 'members' && <MembersDialog workspace={ws} session={props.session} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete workspace"
          message={
            <>
              Delete <strong>{ws.name}</strong> and all {items?.length ?? 0}
              {cursor ? '+' : ''} of its images for everyone? This cannot be undone.
            </>
          }
          confirmLabel="Delete workspace"
          onConfirm={async () => {
            await api.deleteWorkspace(ws.id);
            props.onDeleted(ws.id);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {toDelete && (
        <ConfirmDialog
          title="Delete image"
          message={
            <>
              Delete <strong>{toDelete.filename}</strong>? Its original and thumbnails are removed.
            </>
          }
          confirmLabel="Delete image"
          onConfirm={async () => {
            await api.deleteMedia(ws.id, toDelete.id);
            setItems((old) => (old ? old.filter((m) => m.id !== toDelete.id) : old));
            announce(`${toDelete.filename} deleted.`);
          }}
          onClose={() => setToDelete(null)}
        />
      )}
      {preview && (
        <Dialog title={preview.filename} onClose={() => setPreview(null)} wide>
          {preview.thumbnails ? (
            <img className="preview" src={preview.thumbnails.large} alt={preview.filename} />
          ) : (
            <p className="muted">No preview.</p>
          )}
          <p className="muted small">
            {preview.width && preview.height ? `${preview.width} × ${preview.height} · ` : ''}
            {preview.format ? `${preview.format.toUpperCase()} · ` : ''}
            {formatBytes(preview.size)}
          </p>
          <p>
            <a href={api.originalUrl(ws.id, preview.id)} download={preview.filename}>
              Download original
            </a>
          </p>
        </Dialog>
      )}
    </section>
  );
}

function RenameDialog(props: { workspace: Workspace; onClose: () => void; onRenamed: (w: Workspace) => void }) {
  const [name, setName] = useState(props.workspace.name);
  const [busy, error, run, setError] = useAction();
  return (
    <Dialog title="Rename workspace" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) {
            setError('Give the workspace a name.');
            return;
          }
          void run(async () => {
            const w = await api.renameWorkspace(props.workspace.id, name.trim());
            props.onRenamed(w);
            props.onClose();
          });
        }}
      >
        <div className="field">
          <label htmlFor="rename-input">Name</label>
          <input id="rename-input" value={name} maxLength={100} autoFocus onChange={(e) => setName(e.target.value)} />
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

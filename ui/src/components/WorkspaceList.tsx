import { useId, useState } from 'react';
import { api, type Workspace } from '../api/client.js';
import { useAction } from '../hooks.js';
import { linkHandler, workspacePath } from '../router.js';

export function WorkspaceList(props: {
  workspaces: Workspace[] | null;
  currentId: string | null;
  navigate: (path: string) => void;
  onCreated: (w: Workspace) => void;
}) {
  const [name, setName] = useState('');
  const [busy, error, run, setError] = useAction();
  const id = useId();

  const create = (e: React.FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) {
      setError('Give the workspace a name.');
      return;
    }
    void run(async () => {
      const w = await api.createWorkspace(n);
      setName('');
      props.onCreated(w);
    });
  };

  return (
    <aside className="sidebar">
      <nav aria-label="Workspaces">
        <h2 className="sidebar-title">Workspaces</h2>
        {props.workspaces && props.workspaces.length > 0 && (
          <ul className="ws-list">
            {props.workspaces.map((w) => (
              <li key={w.id}>
                <a
                  href={workspacePath(w.id)}
                  aria-current={w.id === props.currentId ? 'page' : undefined}
                  onClick={linkHandler(props.navigate, workspacePath(w.id))}
                >
                  <span className="ws-name">{w.name}</span>
                  <span className={`role role-${w.role}`}>{w.role}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </nav>
      <form className="ws-create" onSubmit={create}>
        <label htmlFor={`${id}-n`}>New workspace</label>
        <div className="inline">
          <input
            id={`${id}-n`}
            value={name}
            maxLength={100}
            placeholder="Name"
            onChange={(e) => setName(e.target.value)}
            aria-describedby={error ? `${id}-e` : undefined}
          />
          <button type="submit" disabled={busy}>
            Create
          </button>
        </div>
        {error && (
          <p id={`${id}-e`} className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </aside>
  );
}

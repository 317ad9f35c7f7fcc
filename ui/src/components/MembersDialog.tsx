import { useEffect, useId, useState } from 'react';
import { WorkspaceRole as Roles } from '@bigapp/contracts';
import { api, type Member, type Session, type Workspace, type WorkspaceRole } from '../api/client.js';
import { describeError } from '../format.js';
import { useAction } from '../hooks.js';
import { Dialog } from './Dialog.js';

const ROLES = Roles.options;

export function MembersDialog(props: { workspace: Workspace; session: Session; onClose: () => void }) {
  const isOwner = props.workspace.role === 'owner';
  const [members, setMembers] = useState<Member[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const [busy, error, run, setError] = useAction();
  const id = useId();
  const wsId = props.workspace.id;

  useEffect(() => {
    api.members(wsId).then(setMembers, (e: unknown) => setLoadError(describeError(e)));
  }, [wsId]);

  const add = (e: React.FormEvent) => {
    e.preventDefault();
    const u = username.trim().toLowerCase();
    if (!u) {
      setError('Enter a username.');
      return;
    }
    void run(async () => {
      const m = await api.addMember(wsId, u, role);
      setMembers((all) => [...(all ?? []).filter((x) => x.userId !== m.userId), m]);
      setUsername('');
    });
  };

  return (
    <Dialog title={`Members of ${props.workspace.name}`} onClose={props.onClose} wide>
      {loadError && (
        <p className="error" role="alert">
          {loadError}
        </p>
      )}
      {!members && !loadError && <p className="muted">Loading…</p>}
      {members && (
        <table className="members">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              {isOwner && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>
                  {m.username}
                  {m.userId === props.session.user.id && <span className="muted"> (you)</span>}
                </td>
                <td>
                  {isOwner ? (
                    <select
                      aria-label={`Role of ${m.username}`}
                      value={m.role}
                      disabled={busy}
                      onChange={(e) => {
                        const r = e.target.value as WorkspaceRole;
                        void run(async () => {
                          const updated = await api.setMemberRole(wsId, m.userId, r);
                          setMembers((all) => (all ?? []).map((x) => (x.userId === m.userId ? { ...x, role: updated.role } : x)));
                        });
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span className={`role role-${m.role}`}>{m.role}</span>
                  )}
                </td>
                {isOwner && (
                  <td className="right">
                    <button
                      type="button"
                      className="link danger"
                      disabled={busy}
                      aria-label={`Remove ${m.username}`}
                      onClick={() =>
                        void run(async () => {
                          await api.removeMember(wsId, m.userId);
                          setMembers((all) => (all ?? []).filter((x) => x.userId !== m.userId));
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {isOwner ? (
        <form className="member-add" onSubmit={add} aria-label="Add member">
          <div className="field">
            <label htmlFor={`${id}-u`}>Username</label>
            <input id={`${id}-u`} value={username} autoCapitalize="none" spellCheck={false} onChange={(e) => setUsername(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-r`}>Role</label>
            <select id={`${id}-r`} value={role} onChange={(e) => setRole(e.target.value as WorkspaceRole)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Add member
          </button>
        </form>
      ) : (
        <p className="muted small">Only owners can add, change or remove members.</p>
      )}
    </Dialog>
  );
}

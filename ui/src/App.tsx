import { useCallback, useEffect, useState } from 'react';
import { api, type Session, type Workspace } from './api/client.js';
import { setCsrfToken, setUnauthorizedHandler } from './api/http.js';
import { AuthScreen } from './components/AuthScreen.js';
import { WorkspaceList } from './components/WorkspaceList.js';
import { WorkspaceView } from './components/WorkspaceView.js';
import { describeError } from './format.js';
import { useJobs } from './jobs.js';
import { JobPage } from './ops/JobPage.js';
import { OpsPage } from './ops/OpsPage.js';
import { linkHandler, useRoute, workspacePath } from './router.js';

/** Remembers (not a secret: the session itself is an HttpOnly cookie) that this
 * browser signed in, so a signed-out visitor's first screen costs no request
 * and no 401 in the console. */
const SIGNED_IN = 'bigapp.signedIn';
const remember = (on: boolean) => {
  try {
    if (on) localStorage.setItem(SIGNED_IN, '1');
    else localStorage.removeItem(SIGNED_IN);
  } catch {
    /* storage disabled: we simply ask the server each time */
  }
};
const remembered = (): boolean => {
  try {
    return localStorage.getItem(SIGNED_IN) === '1';
  } catch {
    return true;
  }
};

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const jobs = useJobs();

  const signIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    remember(true);
    setNotice(null);
    setSession(s);
  }, []);
  const signOut = useCallback(
    (message: string | null) => {
      setCsrfToken(null);
      remember(false);
      jobs.clear();
      setNotice(message);
      setSession(null);
    },
    [jobs.clear],
  );

  useEffect(() => {
    setUnauthorizedHandler(() => signOut('Your session has ended. Please sign in again.'));
    return () => setUnauthorizedHandler(null);
  }, [signOut]);

  useEffect(() => {
    if (!remembered()) {
      setSession(null);
      return;
    }
    api.me().then(signIn, (e: unknown) => {
      signOut(e && typeof e === 'object' && 'status' in e && e.status === 401 ? null : describeError(e));
    });
  }, [signIn, signOut]);

  if (session === undefined) {
    return (
      <main className="loading" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (session === null) return <AuthScreen onSignedIn={signIn} notice={notice} />;
  return <Shell session={session} jobs={jobs} onSignedOut={() => signOut('You are signed out.')} />;
}

function Shell(props: { session: Session; jobs: ReturnType<typeof useJobs>; onSignedOut: () => void }) {
  const [route, navigate] = useRoute();
  const [workspaces, setWorkspaces] = useState<Workspace[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const reload = useCallback(async () => {
    try {
      setWorkspaces(await api.workspaces());
      setLoadError(null);
    } catch (e) {
      setLoadError(describeError(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  // `/` opens the first workspace, if there is one.
  useEffect(() => {
    if (workspaces && !route.workspaceId && !route.ops && workspaces[0]) navigate(workspacePath(workspaces[0].id), true);
  }, [workspaces, route.workspaceId, navigate]);

  const current = workspaces?.find((w) => w.id === route.workspaceId) ?? null;
  useEffect(() => {
    if (!route.ops) document.title = current ? `${current.name} · bigapp` : 'bigapp';
  }, [current, route.ops]);
  const isAdmin = props.session.user.role === 'admin';

  const logout = async () => {
    try {
      await api.logout();
    } catch {
      /* the session is dropped locally either way */
    }
    navigate('/', true);
    props.onSignedOut();
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="/" onClick={linkHandler(navigate, '/')}>
          bigapp
        </a>
        <div className="topbar-user">
          {isAdmin && (
            <a href="/ops" onClick={linkHandler(navigate, '/ops')} aria-current={route.ops ? 'page' : undefined}>
              Operations
            </a>
          )}
          <span className="muted" aria-label="Signed in as">
            {props.session.user.username}
          </span>
          <button type="button" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <WorkspaceList
          workspaces={workspaces}
          currentId={route.workspaceId}
          navigate={navigate}
          onCreated={(w) => {
            setWorkspaces((all) => [...(all ?? []), w]);
            setStatus(`Workspace “${w.name}” created.`);
            navigate(workspacePath(w.id));
          }}
        />
        <main id="main" className="content" tabIndex={-1}>
          {route.ops && !isAdmin && (
            <section className="empty" data-testid="ops-forbidden">
              <h1>403 — admins only</h1>
              <p>The operations dashboard is for administrators.</p>
            </section>
          )}
          {route.ops && isAdmin && route.ops.page === 'overview' && <OpsPage navigate={navigate} announce={setStatus} />}
          {route.ops && isAdmin && route.ops.page === 'job' && <JobPage key={route.ops.jobId} id={route.ops.jobId} navigate={navigate} />}
          {!route.ops && loadError && (
            <p className="error" role="alert">
              {loadError}{' '}
              <button type="button" onClick={() => void reload()}>
                Retry
              </button>
            </p>
          )}
          {!route.ops && workspaces === null && !loadError && <p className="muted">Loading workspaces…</p>}
          {!route.ops && workspaces && workspaces.length === 0 && (
            <section className="empty" data-testid="no-workspaces">
              <h1>No workspaces yet</h1>
              <p>Create a workspace to start uploading images. Workspaces other people share with you appear here too.</p>
            </section>
          )}
          {!route.ops && workspaces && route.workspaceId && !current && (
            <section className="empty">
              <h1>Workspace not found</h1>
              <p>It does not exist or you are not a member of it.</p>
            </section>
          )}
          {!route.ops && current && (
            <WorkspaceView
              key={current.id}
              workspace={current}
              session={props.session}
              jobs={props.jobs}
              announce={setStatus}
              onRenamed={(w) => setWorkspaces((all) => (all ?? []).map((x) => (x.id === w.id ? { ...x, name: w.name } : x)))}
              onDeleted={(id) => {
                const rest = (workspaces ?? []).filter((x) => x.id !== id);
                setWorkspaces(rest);
                setStatus('Workspace deleted.');
                navigate(rest[0] ? workspacePath(rest[0].id) : '/', true);
              }}
            />
          )}
        </main>
      </div>
      <div className="visually-hidden" role="status" aria-live="polite">
        {status}
      </div>
    </div>
  );
}

import { useId, useState } from 'react';
import { Credentials } from '@bigapp/contracts';
import { api, type Session } from '../api/client.js';
import { useAction } from '../hooks.js';

/** Sign in and create an account: one form, two modes. */
export function AuthScreen(props: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ username?: string; password?: string }>({});
  const [busy, error, run] = useAction();
  const id = useId();
  const registering = mode === 'register';

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const creds = { username: username.trim().toLowerCase(), password };
    if (registering) {
      // The same schema the server validates with, so the hints match its rules.
      const r = Credentials.safeParse(creds);
      if (!r.success) {
        const errs: { username?: string; password?: string } = {};
        for (const i of r.error.issues) {
          const f = i.path[0];
          if ((f === 'username' || f === 'password') && !errs[f]) errs[f] = i.message;
        }
        setFieldErrors(errs);
        return;
      }
    }
    setFieldErrors({});
    void run(async () => {
      const s = registering ? await api.register(creds) : await api.login(creds);
      props.onSignedIn(s);
    });
  };

  return (
    <main className="auth">
      <div className="auth-card">
        <h1 className="brand">bigapp</h1>
        <p className="muted">Media workspaces: upload images, share them with your team, export and import archives.</p>
        <div className="tabs" role="group" aria-label="Account">
          <button type="button" aria-pressed={!registering} onClick={() => setMode('login')}>
            Sign in
          </button>
          <button type="button" aria-pressed={registering} onClick={() => setMode('register')}>
            Create account
          </button>
        </div>
        {props.notice && !error && (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        <form onSubmit={submit} noValidate aria-label={registering ? 'Create account' : 'Sign in'}>
          <div className="field">
            <label htmlFor={`${id}-u`}>Username</label>
            <input
              id={`${id}-u`}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-invalid={fieldErrors.username ? true : undefined}
              aria-describedby={fieldErrors.username ? `${id}-ue` : undefined}
              autoFocus
            />
            {fieldErrors.username && (
              <p id={`${id}-ue`} className="field-error">
                {fieldErrors.username}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-p`}>Password</label>
            <input
              id={`${id}-p`}
              name="password"
              type="password"
              autoComplete={registering ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={fieldErrors.password ? true : undefined}
              aria-describedby={fieldErrors.password ? `${id}-pe` : registering ? `${id}-ph` : undefined}
            />
            {fieldErrors.password ? (
              <p id={`${id}-pe`} className="field-error">
                {fieldErrors.password}
              </p>
            ) : (
              registering && (
                <p id={`${id}-ph`} className="hint">
                  At least 10 characters.
                </p>
              )
            )}
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? 'Please wait…' : registering ? 'Create account' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}

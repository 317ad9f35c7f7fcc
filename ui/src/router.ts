import { useCallback, useEffect, useState } from 'react';

/** The addresses: `/`, `/w/<workspaceId>`, and the admins' `/ops` and
 * `/ops/jobs/<jobId>`. The web service answers every non-API path with
 * index.html, so these survive a reload. */
export interface Route {
  workspaceId: string | null;
  /** Set on the operations pages. */
  ops: { page: 'overview' } | { page: 'job'; jobId: string } | null;
}

function parse(pathname: string): Route {
  const m = /^\/w\/([^/]+)\/?$/.exec(pathname);
  const job = /^\/ops\/jobs\/([^/]+)\/?$/.exec(pathname);
  const ops = job ? { page: 'job' as const, jobId: decodeURIComponent(job[1]!) } : /^\/ops\/?$/.test(pathname) ? { page: 'overview' as const } : null;
  return { workspaceId: m ? decodeURIComponent(m[1]!) : null, ops };
}

export const workspacePath = (id: string): string => `/w/${encodeURIComponent(id)}`;

export function useRoute(): [Route, (path: string, replace?: boolean) => void] {
  const [route, setRoute] = useState<Route>(() => parse(location.pathname));
  useEffect(() => {
    const on = () => setRoute(parse(location.pathname));
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  const navigate = useCallback((path: string, replace = false) => {
    if (path !== location.pathname) {
      if (replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    setRoute(parse(path));
  }, []);
  return [route, navigate];
}

/** Left clicks on an <a> go through the router; modified clicks keep their browser meaning. */
export function linkHandler(navigate: (path: string) => void, path: string) {
  return (e: React.MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(path);
  };
}

import { describe, expect, it } from 'vitest';
import { defaultOutDir, diffFiles, readRendered, renderEnvironment, RENDER_COMMAND } from '@bigapp/deploy';

// The committed manifests are what `kubectl apply -k` deploys; they must be
// exactly what the registry and settings produce today.
describe.each(['local', 'prod'])('deploy/k8s/%s', (env) => {
  it('equals a fresh render (no drift)', async () => {
    const fresh = await renderEnvironment({ env, vars: {} });
    const committed = await readRendered(defaultOutDir(env));
    const stale = diffFiles(fresh.files, committed);
    expect(stale, `deploy/k8s/${env}/ is stale (${stale.join(', ')}): run \`${RENDER_COMMAND(env)}\` and commit the result`).toEqual([]);
  });
});

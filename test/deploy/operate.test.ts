import { describe, expect, it } from 'vitest';
import { appVersion, buildCommand, checkContext, DeployError, imageRef, kubectlCommand, pushCommands, requiredSecrets } from '@bigapp/deploy';
import { settingsFor } from './fixtures.js';

describe('images', () => {
  it('build tags <registry>/bigapp:<version> and passes the version label argument', () => {
    const s = settingsFor('prod');
    const c = buildCommand(s, { platform: 'linux/amd64', extraTags: ['sha-1'], root: '/repo' });
    expect(c.cmd).toBe('docker');
    expect(c.args).toEqual([
      'build', '-f', '/repo/deploy/Dockerfile', '--build-arg', 'VERSION=0.0.0',
      '-t', 'registry.example.com/acme/bigapp:' + s.image.tag, '-t', 'registry.example.com/acme/bigapp:sha-1',
      '--platform', 'linux/amd64', '/repo',
    ]);
    expect(s.image.tag).toBe(appVersion());
    expect(pushCommands(s, { extraTags: ['sha-1'] }).map((p) => p.args)).toEqual([
      ['push', `registry.example.com/acme/bigapp:${s.image.tag}`],
      ['push', 'registry.example.com/acme/bigapp:sha-1'],
    ]);
  });
  it('local images have no registry', () => {
    expect(imageRef(settingsFor('local'))).toBe(`bigapp:${appVersion()}`);
  });
});

describe('kubectl wrappers', () => {
  it('refuse a context that is not the environment\'s', () => {
    const s = settingsFor('prod');
    expect(() => checkContext(s, 'kind-bigapp')).toThrow(DeployError);
    expect(() => checkContext(s, 'kind-bigapp')).toThrow(/current context is "kind-bigapp" but environment "prod" deploys to "bigapp-prod"/);
    expect(() => checkContext(s, '')).toThrow(/\(none\)/);
    expect(() => checkContext(s, 'bigapp-prod')).not.toThrow();
  });
  it('always pass the context explicitly and use kustomize', () => {
    const s = settingsFor('local');
    expect(kubectlCommand('apply', s, 'd').args).toEqual(['--context', 'kind-bigapp', 'apply', '--server-side', '--field-manager=bigapp', '-k', 'd']);
    expect(kubectlCommand('diff', s, 'd').args.slice(2, 3)).toEqual(['diff']);
    expect(kubectlCommand('delete', s, 'd').args).toContain('--ignore-not-found');
  });
});

describe('secret references', () => {
  it('local needs the in-cluster PostgreSQL password and bucket keys; prod with workload identity needs no bucket keys', () => {
    expect(requiredSecrets(settingsFor('local')).map((s) => s.name).sort()).toEqual(['bigapp-bucket', 'bigapp-database', 'bigapp-postgres', 'bigapp-signing']);
    expect(requiredSecrets(settingsFor('prod')).map((s) => s.name).sort()).toEqual(['bigapp-database', 'bigapp-signing']);
  });
});

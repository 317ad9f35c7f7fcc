import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeployError, writeEnvironment } from '@bigapp/deploy';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { synthetic, web } from './fixtures.js';

let out: string;
let configDir: string;
beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'bigapp-k8s-out-'));
  configDir = await mkdtemp(path.join(tmpdir(), 'bigapp-k8s-env-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
  await rm(configDir, { recursive: true, force: true });
});

async function expectRefused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'render should have failed').toBeInstanceOf(DeployError);
  expect((err as DeployError).code).toBe(code);
  expect((err as DeployError).message).toMatch(message);
  expect(await readdir(out), 'nothing may be written on error').toEqual([]);
}

const prodConfig = {
  kubeContext: 'prod',
  image: { registry: 'registry.example.com/acme' },
  ingress: { host: 'app.example.com' },
  database: { mode: 'external', host: 'db.example.com', port: 5432, ssl: true },
  bucket: { name: 'acme-media', region: 'eu-west-1' },
};

describe('bigapp k8s render refuses bad input and writes nothing', () => {
  it('control: the same call with good input writes files', async () => {
    const r = await writeEnvironment({ env: 'local', services: synthetic, vars: {}, outDir: out });
    expect((await readdir(out)).sort()).toEqual([...r.files.keys()].sort());
  });

  it('unknown environment', async () => {
    await expectRefused(writeEnvironment({ env: 'staging-eu', services: synthetic, vars: {}, outDir: out }), 'deploy_unknown_environment', /unknown environment "staging-eu": expected one of local, prod/);
  });

  it('a service name that is not a DNS label', async () => {
    const bad: ServiceDeclaration = { ...web, name: 'Web_API' };
    await expectRefused(writeEnvironment({ env: 'local', services: [bad], vars: {}, outDir: out }), 'deploy_declaration_invalid', /service "Web_API": name must be a DNS label/);
  });

  it('minReplicas greater than maxReplicas', async () => {
    const bad: ServiceDeclaration = { ...web, scaling: { minReplicas: 5, maxReplicas: 2 } };
    await expectRefused(writeEnvironment({ env: 'local', services: [bad], vars: {}, outDir: out }), 'deploy_declaration_invalid', /minReplicas \(5\) is greater than maxReplicas \(2\)/);
  });

  it('a service named like a platform object', async () => {
    const bad: ServiceDeclaration = { ...web, name: 'redis' };
    await expectRefused(writeEnvironment({ env: 'local', services: [bad], vars: {}, outDir: out }), 'deploy_declaration_invalid', /used by the platform/);
  });

  it('prod without an image registry', async () => {
    const { image: _image, ...noRegistry } = prodConfig;
    await writeFile(path.join(configDir, 'prod.json'), JSON.stringify(noRegistry));
    await expectRefused(writeEnvironment({ env: 'prod', services: synthetic, vars: {}, configDir, outDir: out }), 'deploy_settings_invalid', /image\.registry: an image registry is required for prod/);
  });

  it('prod without a database host, and an unknown settings key', async () => {
    await writeFile(path.join(configDir, 'prod.json'), JSON.stringify({ ...prodConfig, database: { mode: 'external', port: 5432, ssl: true }, imageRegistry: 'x' }));
    await expectRefused(writeEnvironment({ env: 'prod', services: synthetic, vars: {}, configDir, outDir: out }), 'deploy_settings_invalid', /database\.host[\s\S]*imageRegistry/);
  });

  it('prod with a complete config file renders', async () => {
    await writeFile(path.join(configDir, 'prod.json'), JSON.stringify(prodConfig));
    const r = await writeEnvironment({ env: 'prod', services: synthetic, vars: {}, configDir, outDir: out });
    expect(r.files.get('service-web.yaml')).toContain('image: registry.example.com/acme/bigapp:');
  });

  it('an object that fails validation stops the write', async () => {
    const bad: ServiceDeclaration = { ...web, resources: { cpuRequest: '200m', memoryRequest: 'lots', memoryLimit: '1Gi' } };
    await expectRefused(writeEnvironment({ env: 'local', services: [bad], vars: {}, outDir: out }), 'deploy_manifest_invalid', /Deployment\/web/);
  });

  it('BIGAPP_DEPLOY_* variables override the file (and are validated the same way)', async () => {
    await writeFile(path.join(configDir, 'prod.json'), JSON.stringify(prodConfig));
    const r = await writeEnvironment({ env: 'prod', services: synthetic, vars: { BIGAPP_DEPLOY_IMAGE_TAG: 'sha-abc123' }, configDir, outDir: out });
    expect(r.files.get('service-web.yaml')).toContain('image: registry.example.com/acme/bigapp:sha-abc123');
    await rm(out, { recursive: true });
    out = await mkdtemp(path.join(tmpdir(), 'bigapp-k8s-out-'));
    await expectRefused(writeEnvironment({ env: 'prod', services: synthetic, vars: { BIGAPP_DEPLOY_IMAGE_TAG: 'not a tag' }, configDir, outDir: out }), 'deploy_settings_invalid', /image\.tag/);
  });
});

import { ServiceDeclarationError, validateDeclaration, type ServiceDeclaration } from '@bigapp/kit/service';
import { DeployError } from './errors.js';
import { RESERVED_NAMES } from './names.js';
import type { K8sObject, Manifest } from './objects.js';
import { renderConfigMap } from './render/configmap.js';
import { renderDeployment } from './render/deployment.js';
import { renderExternalDatabase } from './render/external-database.js';
import { renderHpa } from './render/hpa.js';
import { renderIngress } from './render/ingress.js';
import { renderNamespace, renderServiceAccount } from './render/namespace.js';
import { renderNetworkPolicies } from './render/networkpolicy.js';
import { renderObjectStore } from './render/object-store.js';
import { renderPdb } from './render/pdb.js';
import { renderPostgres } from './render/postgres.js';
import { renderRedis } from './render/redis.js';
import { renderScaledObject } from './render/scaledobject.js';
import { renderAppService } from './render/service.js';
import type { Settings } from './settings.js';

/** Throws a DeployError naming the first declaration the cluster could not run. */
export function checkDeclarations(services: readonly ServiceDeclaration[]): void {
  const seen = new Set<string>();
  for (const d of services) {
    try {
      validateDeclaration(d);
    } catch (err) {
      if (err instanceof ServiceDeclarationError) throw new DeployError('deploy_declaration_invalid', err.message, { cause: err });
      throw err;
    }
    if ((RESERVED_NAMES as readonly string[]).includes(d.name)) {
      throw new DeployError('deploy_declaration_invalid', `service "${d.name}": the name is used by the platform's own objects (${RESERVED_NAMES.join(', ')})`);
    }
    if (seen.has(d.name)) throw new DeployError('deploy_declaration_invalid', `service "${d.name}" is declared twice`);
    seen.add(d.name);
    if (d.kind === 'web' && d.httpPort === undefined) {
      throw new DeployError('deploy_declaration_invalid', `service "${d.name}": a web service needs an httpPort for its Service and Ingress`);
    }
  }
}

function serviceObjects(d: ServiceDeclaration, s: Settings): K8sObject[] {
  const out: K8sObject[] = [renderDeployment(d, s)];
  const svc = renderAppService(d, s);
  if (svc) out.push(svc);
  out.push(renderPdb(d, s));
  if (d.kind === 'web') out.push(renderHpa(d, s), renderIngress(d, s));
  if (d.kind === 'worker') out.push(renderScaledObject(d, s));
  return out;
}

/**
 * Every object of an environment, each with the file it belongs in. Pure:
 * no I/O, so tests and the writer share it; validate.ts checks the result.
 */
export function render(_env: string, services: readonly ServiceDeclaration[], s: Settings): Manifest[] {
  checkDeclarations(services);
  const at = (file: string, objects: K8sObject[]): Manifest[] => objects.map((object) => ({ file, object }));
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  return [
    ...at('namespace.yaml', [renderNamespace(s)]),
    ...at('config.yaml', [renderConfigMap(s), renderServiceAccount(s)]),
    ...at('redis.yaml', renderRedis(s)),
    ...at('postgres.yaml', [...renderPostgres(s), ...renderExternalDatabase(s)]),
    ...at('object-store.yaml', renderObjectStore(s)),
    ...at('network-policies.yaml', renderNetworkPolicies(sorted, s)),
    ...sorted.flatMap((d) => at(`service-${d.name}.yaml`, serviceObjects(d, s))),
  ];
}

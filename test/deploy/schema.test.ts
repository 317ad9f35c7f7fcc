import { describe, expect, it } from 'vitest';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { services } from '@bigapp/services';
import { render, unknownFields, type K8sObject } from '@bigapp/deploy';
import { settingsFor, synthetic } from './fixtures.js';

// Listed here rather than taken from the package under test, so a kind
// that validate.ts maps wrongly still meets the real schema.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'discovery.k8s.io/v1/EndpointSlice': EndpointSlice,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

function schemaValidate(o: K8sObject): void {
  const Model = models[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no model for ${o.apiVersion}/${o.kind}`);
  new Model(structuredClone(o) as never).validate();
}

const cases = [
  { label: 'local, registry', env: 'local', services },
  { label: 'prod, registry', env: 'prod', services },
  { label: 'local, web + workers + cmd', env: 'local', services: synthetic },
  { label: 'prod, web + workers + cmd', env: 'prod', services: synthetic },
  { label: 'prod, database by IP', env: 'prod', services: synthetic, overrides: { database: { mode: 'external' as const, host: '10.20.0.5', port: 5432, ssl: true } } },
];

describe.each(cases)('$label', ({ env, services: list, overrides }) => {
  const objects = render(env, list, settingsFor(env, overrides)).map((m) => m.object);

  it('every object validates against the Kubernetes OpenAPI / KEDA CRD schema', () => {
    for (const o of objects) expect(() => schemaValidate(o), `${o.kind}/${o.metadata.name}`).not.toThrow();
  });

  it('no object carries a field its schema does not define', async () => {
    expect(await unknownFields(objects)).toEqual([]);
  });

  it('renders the kinds the environment needs', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ['Namespace', 'ConfigMap', 'ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) expect(kinds).toContain(k);
    if (env === 'local') expect(objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name).sort()).toEqual(['object-store', 'postgres']);
    else expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(false);
  });
});

describe('the strict field check', () => {
  const objects = render('local', synthetic, settingsFor('local')).map((m) => m.object);
  const find = (kind: string, name: string) => structuredClone(objects.find((o) => o.kind === kind && o.metadata.name === name)!) as K8sObject & Record<string, any>;

  it('catches a misspelt field that the OpenAPI validation lets through', async () => {
    const dep = find('Deployment', 'web');
    dep.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(() => schemaValidate(dep)).not.toThrow();
    expect(await unknownFields([dep])).toEqual([
      { object: 'Deployment/web', problem: 'spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem: unknown field' },
    ]);
  });

  it('walks into arrays, maps and CRD objects', async () => {
    const so = find('ScaledObject', 'image');
    so.spec.triggers[0].listName = 'image.queue';
    so.spec.minReplicas = 1;
    const np = find('NetworkPolicy', 'redis-from-app');
    np.spec.ingress[0].from[0].podSelector.labels = {};
    const problems = (await unknownFields([so, np])).map((p) => `${p.object} ${p.problem}`);
    expect(problems).toEqual([
      'ScaledObject/image spec.triggers[0].listName: unknown field',
      'ScaledObject/image spec.minReplicas: unknown field',
      'NetworkPolicy/redis-from-app spec.ingress[0].from[0].podSelector.labels: unknown field',
    ]);
  });

  it('accepts any key in free-form maps (labels, annotations, ConfigMap data, trigger metadata)', async () => {
    const cm = find('ConfigMap', 'bigapp-config');
    cm.data.ANYTHING = 'x';
    cm.metadata.labels!['example.com/anything'] = 'x';
    expect(await unknownFields([cm])).toEqual([]);
  });

  it('rejects a kind it has no schema for', async () => {
    const problems = await unknownFields([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(problems[0]?.problem).toMatch(/not a kind bigapp knows/);
  });
});

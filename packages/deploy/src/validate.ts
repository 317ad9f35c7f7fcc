import type { ServiceDeclaration } from '@bigapp/kit/service';
import { DeployError } from './errors.js';
import { MODELS, modelKey } from './models.js';
import { CONFIG_MAP, L, OPS_PORT, queueName, terminationGraceSeconds } from './names.js';
import { describe, type K8sObject, type Manifest } from './objects.js';
import type { Settings } from './settings.js';
import { unknownFields } from './strict.js';

export interface Problem {
  object: string;
  problem: string;
}

type Obj = Record<string, unknown>;
const get = (o: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Obj)[k as string] : undefined), o);

/** OpenAPI validation through kubernetes-models (types, required fields, enums, formats). */
export async function schemaProblems(objects: readonly K8sObject[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const o of objects) {
    const ref = MODELS[modelKey(o)];
    if (!ref) {
      problems.push({ object: describe(o), problem: `${modelKey(o)} has no model to validate against` });
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(ref.module)) as Record<string, unknown>;
    } catch (err) {
      throw new DeployError('deploy_validator_unavailable', `cannot load ${ref.module}: install the dev dependencies (npm ci)`, { cause: err });
    }
    const Model = mod[o.kind] as (new (data: unknown) => { validate(): void }) | undefined;
    if (!Model) {
      problems.push({ object: describe(o), problem: `${ref.module} exports no ${o.kind}` });
      continue;
    }
    try {
      // A deep copy: the model constructor keeps a reference and validation must not see later edits.
      new Model(structuredClone(o)).validate();
    } catch (err) {
      problems.push({ object: describe(o), problem: (err as Error).message.replace(/\s+/g, ' ') });
    }
  }
  return problems;
}

function podTemplate(o: K8sObject): Obj | undefined {
  return get(o, 'spec', 'template') as Obj | undefined;
}

function isSubset(sel: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

function containersOf(o: K8sObject): Obj[] {
  return (get(podTemplate(o), 'spec', 'containers') as Obj[] | undefined) ?? [];
}

function hardeningProblems(o: K8sObject, probes: boolean): string[] {
  const out: string[] = [];
  const pod = get(podTemplate(o), 'spec') as Obj | undefined;
  if (get(pod, 'securityContext', 'runAsNonRoot') !== true) out.push('pod securityContext.runAsNonRoot is not true');
  if (get(pod, 'securityContext', 'seccompProfile', 'type') !== 'RuntimeDefault') out.push('pod seccompProfile is not RuntimeDefault');
  for (const c of containersOf(o)) {
    const n = `container ${String(c.name)}`;
    const sc = c.securityContext as Obj | undefined;
    if (get(sc, 'readOnlyRootFilesystem') !== true) out.push(`${n}: readOnlyRootFilesystem is not true`);
    if (get(sc, 'allowPrivilegeEscalation') !== false) out.push(`${n}: allowPrivilegeEscalation is not false`);
    if (get(sc, 'runAsNonRoot') !== true) out.push(`${n}: runAsNonRoot is not true`);
    const drop = get(sc, 'capabilities', 'drop');
    if (!Array.isArray(drop) || !drop.includes('ALL')) out.push(`${n}: capabilities do not drop ALL`);
    if (!get(c, 'resources', 'requests', 'cpu') || !get(c, 'resources', 'requests', 'memory')) out.push(`${n}: no cpu/memory requests`);
    if (!get(c, 'resources', 'limits', 'memory')) out.push(`${n}: no memory limit`);
    if (probes && (!c.livenessProbe || !c.readinessProbe)) out.push(`${n}: needs both a liveness and a readiness probe`);
  }
  return out;
}

/**
 * The rules a schema cannot express: that objects point at each other
 * correctly and that every service is deployed the way its kind promises.
 */
export function invariantProblems(objects: readonly K8sObject[], services: readonly ServiceDeclaration[], s: Settings): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject | string, problem: string) => problems.push({ object: typeof o === 'string' ? o : describe(o), problem });
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
  const podLabelSets = workloads.map((w) => get(podTemplate(w), 'metadata', 'labels') as Record<string, string> | undefined);

  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) add(o, 'declared twice');
    seen.add(key);
    if (o.kind !== 'Namespace' && o.metadata.namespace !== s.namespace) add(o, `namespace is ${o.metadata.namespace ?? '(none)'}, expected ${s.namespace}`);
    if (o.kind === 'Secret' && (o.data !== undefined || o.stringData !== undefined)) add(o, 'a Secret with values must never be rendered or committed');
  }

  for (const w of workloads) {
    const sel = get(w, 'spec', 'selector', 'matchLabels') as Record<string, string> | undefined;
    const labels = get(podTemplate(w), 'metadata', 'labels') as Record<string, string> | undefined;
    if (w.kind !== 'Job' && !isSubset(sel, labels)) add(w, 'spec.selector.matchLabels does not match the pod template labels');
    hardeningProblems(w, w.kind !== 'Job').forEach((p) => add(w, p));
  }
  for (const svc of byKind('Service')) {
    const sel = get(svc, 'spec', 'selector') as Record<string, string> | undefined;
    if (sel && !podLabelSets.some((l) => isSubset(sel, l))) add(svc, 'selector matches no pod template');
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!podLabelSets.some((l) => isSubset(get(pdb, 'spec', 'selector', 'matchLabels') as Record<string, string>, l))) add(pdb, 'selector matches no pod template');
  }
  for (const np of byKind('NetworkPolicy')) {
    const sel = get(np, 'spec', 'podSelector', 'matchLabels') as Record<string, string> | undefined;
    if (sel && Object.keys(sel).length > 0 && !podLabelSets.some((l) => isSubset(sel, l))) add(np, 'podSelector matches no pod template');
  }

  const redisUrl = get(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === CONFIG_MAP), 'data', 'REDIS_URL');
  const redisAddress = typeof redisUrl === 'string' ? redisUrl.replace(/^redis:\/\//, '') : undefined;
  if (!redisAddress) add(`ConfigMap/${CONFIG_MAP}`, 'REDIS_URL is missing');

  const targets = (kind: string, name: string) => byKind(kind).filter((o) => get(o, 'spec', 'scaleTargetRef', 'name') === name);
  for (const d of services) {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === d.name);
    if (!dep) {
      add(`service ${d.name}`, 'has no Deployment');
      continue;
    }
    const pod = get(podTemplate(dep), 'spec') as Obj;
    const c = containersOf(dep)[0];
    if (get(podTemplate(dep), 'metadata', 'labels', L.tier) !== 'app') add(dep, `pod label ${L.tier} is not "app" (the NetworkPolicies rely on it)`);
    if (get(c, 'livenessProbe', 'httpGet', 'path') !== '/healthz') add(dep, 'liveness probe is not GET /healthz');
    if (get(c, 'readinessProbe', 'httpGet', 'path') !== '/readyz') add(dep, 'readiness probe is not GET /readyz');
    const ann = get(podTemplate(dep), 'metadata', 'annotations') as Record<string, string> | undefined;
    if (ann?.['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== String(OPS_PORT) || ann['prometheus.io/path'] !== '/metrics') {
      add(dep, 'pod template lacks the prometheus.io scrape annotations for the ops port');
    }
    if (pod.terminationGracePeriodSeconds !== terminationGraceSeconds(d)) add(dep, `terminationGracePeriodSeconds is not drain time + margin (${terminationGraceSeconds(d)})`);
    if (!Array.isArray(pod.topologySpreadConstraints) || pod.topologySpreadConstraints.length === 0) add(dep, 'has no topologySpreadConstraints');
    if (!byKind('PodDisruptionBudget').some((p) => p.metadata.name === d.name)) add(dep, 'has no PodDisruptionBudget');
    const hpas = targets('HorizontalPodAutoscaler', d.name);
    const scaled = targets('ScaledObject', d.name);
    if (d.kind === 'singleton') {
      if (get(dep, 'spec', 'replicas') !== 1) add(dep, 'a singleton must have exactly one replica');
      if (get(dep, 'spec', 'strategy', 'type') !== 'Recreate') add(dep, 'a singleton must use the Recreate strategy');
      if (hpas.length + scaled.length > 0) add(dep, 'a singleton must not be autoscaled');
    } else if (get(dep, 'spec', 'replicas') !== undefined) {
      add(dep, 'an autoscaled Deployment must leave spec.replicas to its autoscaler');
    }
    if (d.kind === 'web') {
      if (hpas.length !== 1) add(dep, 'a web service needs exactly one HorizontalPodAutoscaler');
      if (!byKind('Ingress').some((i) => JSON.stringify(i).includes(`"service":{"name":"${d.name}"`))) add(dep, 'a web service needs an Ingress');
      if (!byKind('Service').some((x) => x.metadata.name === d.name)) add(dep, 'a web service needs a Service');
    }
    if (d.kind === 'worker') {
      if (scaled.length !== 1) {
        add(dep, 'a worker needs exactly one ScaledObject');
      } else {
        const so = scaled[0]!;
        const trig = (get(so, 'spec', 'triggers') as Obj[])[0];
        if (get(trig, 'type') !== 'redis') add(so, 'trigger is not the redis list scaler');
        if (get(trig, 'metadata', 'listName') !== queueName(d.name)) add(so, `listName is not the service's own queue ${queueName(d.name)}`);
        if (get(trig, 'metadata', 'address') !== redisAddress) add(so, `address is not the Redis the pods use (${redisAddress ?? '?'})`);
        if (get(so, 'spec', 'minReplicaCount') !== d.scaling.minReplicas || get(so, 'spec', 'maxReplicaCount') !== d.scaling.maxReplicas) {
          add(so, 'min/max replicas differ from the declaration');
        }
      }
    }
  }
  return problems;
}

/** All three checks; throws one DeployError listing every problem, so a single run shows them all. */
export async function validateManifests(manifests: readonly Manifest[], services: readonly ServiceDeclaration[], s: Settings): Promise<void> {
  const objects = manifests.map((m) => m.object);
  const problems = [
    ...(await schemaProblems(objects)),
    ...(await unknownFields(objects)),
    ...invariantProblems(objects, services, s),
  ];
  if (problems.length > 0) {
    throw new DeployError(
      'deploy_manifest_invalid',
      `rendered manifests for "${s.env}" are invalid; nothing was written:\n${problems.map((p) => `  ${p.object}: ${p.problem}`).join('\n')}`,
      { details: problems },
    );
  }
}

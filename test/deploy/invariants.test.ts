import { describe, expect, it } from 'vitest';
import { services } from '@bigapp/services';
import { invariantProblems, queueName, redisAddress, render, requiredSecrets, validateManifests, type K8sObject } from '@bigapp/deploy';
import { settingsFor, synthetic } from './fixtures.js';

type Any = Record<string, any>;
const all = [...services, ...synthetic.filter((d) => !services.some((s) => s.name === d.name))];

describe.each(['local', 'prod'])('%s', (env) => {
  const settings = settingsFor(env);
  const manifests = render(env, all, settings);
  const objects = manifests.map((m) => m.object as K8sObject & Any);
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const configMap = named('ConfigMap', 'bigapp-config')!;

  it('passes the full validation (schema, strict fields, invariants)', async () => {
    await expect(validateManifests(manifests, all, settings)).resolves.toBeUndefined();
    expect(invariantProblems(objects, all, settings)).toEqual([]);
  });

  it('selectors match pod labels (workloads, Services, PDBs, NetworkPolicies)', () => {
    const podLabels = [...of('Deployment'), ...of('StatefulSet'), ...of('Job')].map((w) => w.spec.template.metadata.labels as Record<string, string>);
    const matches = (sel: Record<string, string>) => podLabels.some((l) => Object.entries(sel).every(([k, v]) => l[k] === v));
    for (const w of [...of('Deployment'), ...of('StatefulSet')]) {
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) expect(w.spec.template.metadata.labels[k], `${w.kind}/${w.metadata.name} ${k}`).toBe(v);
    }
    for (const s of of('Service').filter((x) => x.spec.selector)) expect(matches(s.spec.selector), `Service/${s.metadata.name}`).toBe(true);
    for (const p of of('PodDisruptionBudget')) expect(matches(p.spec.selector.matchLabels), `PDB/${p.metadata.name}`).toBe(true);
    for (const n of of('NetworkPolicy')) {
      const sel = n.spec.podSelector.matchLabels ?? {};
      if (Object.keys(sel).length) expect(matches(sel), `NetworkPolicy/${n.metadata.name}`).toBe(true);
    }
  });

  it('every Deployment has both probes, resources and the hardened security context', () => {
    for (const d of of('Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext, d.metadata.name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) {
        expect(c.livenessProbe, d.metadata.name).toBeDefined();
        expect(c.readinessProbe, d.metadata.name).toBeDefined();
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toEqual(expect.any(String));
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
    }
  });

  it('app pods: /healthz and /readyz on the ops port, /tmp writable, scrape annotations, grace = drain + margin, spread, PDB', () => {
    for (const s of all) {
      const d = named('Deployment', s.name)!;
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.args).toEqual(['start', s.name]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      expect(c.ports).toContainEqual({ name: 'ops', containerPort: 9400, protocol: 'TCP' });
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(d.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9400', 'prometheus.io/path': '/metrics' });
      expect(c.env).toContainEqual({ name: 'BIGAPP_GRACE_MS', value: String(s.drainMs ?? 30_000) });
      expect(pod.terminationGracePeriodSeconds).toBe(Math.ceil((s.drainMs ?? 30_000) / 1000) + 10);
      expect(pod.topologySpreadConstraints.length).toBeGreaterThan(0);
      expect(named('PodDisruptionBudget', s.name)).toBeDefined();
    }
  });

  it("each worker's ScaledObject names its own queue and the Redis address the pods use, with the declared min/max", () => {
    const workers = all.filter((s) => s.kind === 'worker');
    expect(of('ScaledObject')).toHaveLength(workers.length);
    expect(configMap.data.REDIS_URL).toBe(`redis://${redisAddress(settings)}`);
    for (const w of workers) {
      const so = named('ScaledObject', w.name)!;
      expect(so.spec.scaleTargetRef.name).toBe(w.name);
      expect(so.spec.minReplicaCount).toBe(w.scaling.minReplicas);
      expect(so.spec.maxReplicaCount).toBe(w.scaling.maxReplicas);
      const t = so.spec.triggers[0];
      expect(t.type).toBe('redis');
      expect(t.metadata.listName).toBe(queueName(w.name));
      expect(`redis://${t.metadata.address}`).toBe(configMap.data.REDIS_URL);
      expect(t.metadata.listLength).toBe(String(w.scaling.queueLengthTarget ?? 100));
      expect(named('Deployment', w.name)!.spec.replicas).toBeUndefined();
    }
  });

  it('web: Service, Ingress to it, CPU HPA with the declared bounds', () => {
    const hpa = named('HorizontalPodAutoscaler', 'web')!;
    const decl = all.find((d) => d.name === 'web')!;
    expect(hpa.spec).toMatchObject({ minReplicas: decl.scaling.minReplicas, maxReplicas: decl.scaling.maxReplicas, scaleTargetRef: { kind: 'Deployment', name: 'web' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: decl.scaling.cpuTargetPercent } });
    expect(named('Service', 'web')!.spec.ports[0]).toMatchObject({ targetPort: 'http' });
    const ing = named('Ingress', 'web')!;
    expect(ing.spec.rules[0].host).toBe(settings.ingress.host);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'web', port: { name: 'http' } });
  });

  it('cmd: exactly one replica, Recreate, never autoscaled', () => {
    const d = named('Deployment', 'cmd')!;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(named('ScaledObject', 'cmd')).toBeUndefined();
    expect(named('HorizontalPodAutoscaler', 'cmd')).toBeUndefined();
  });

  it('no Secret carries a value (secrets are referenced, never rendered)', () => {
    expect(of('Secret')).toEqual([]);
    const text = JSON.stringify(objects);
    for (const sec of requiredSecrets(settings)) expect(text).toContain(`"name":"${sec.name}"`);
    expect(text).not.toMatch(/"(data|stringData)":\{[^}]*(password|secret)/i);
  });

  it('NetworkPolicies: deny by default, web only from the ingress controller, Redis/PostgreSQL only from app pods (and KEDA)', () => {
    expect(named('NetworkPolicy', 'default-deny-ingress')!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const webNp = named('NetworkPolicy', 'web-from-ingress')!;
    expect(webNp.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': settings.ingress.controllerNamespace } } }], ports: [{ protocol: 'TCP', port: 'http' }] }]);
    expect(of('NetworkPolicy').filter((n) => n.metadata.name.endsWith('-from-ingress')).map((n) => n.metadata.name)).toEqual(['web-from-ingress']);
    const redis = named('NetworkPolicy', 'redis-from-app')!;
    expect(redis.spec.ingress[0].from[0]).toEqual({ podSelector: { matchLabels: { 'bigapp.dev/tier': 'app' } } });
    expect(redis.spec.ingress[0].from[1].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(settings.kedaNamespace);
    if (env === 'local') expect(named('NetworkPolicy', 'postgres-from-app')!.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { 'bigapp.dev/tier': 'app' } } }]);
    for (const s of all) expect(named('Deployment', s.name)!.spec.template.metadata.labels['bigapp.dev/tier']).toBe('app');
    for (const name of ['redis', 'postgres', 'object-store']) {
      const w = named('Deployment', name) ?? named('StatefulSet', name);
      if (w) expect(w.spec.template.metadata.labels['bigapp.dev/tier']).toBe('infra');
    }
  });

  it('Redis is transport: no persistence, no eviction of queued jobs', () => {
    const r = named('Deployment', 'redis')!;
    const args: string[] = r.spec.template.spec.containers[0].args;
    expect(args.join(' ')).toContain('--save  --appendonly no');
    expect(args).toContain('noeviction');
    expect(r.spec.template.spec.volumes[0]).toEqual({ name: 'data', emptyDir: {} });
  });

  it('the database is reached as `postgres` in both environments', () => {
    const svc = named('Service', 'postgres')!;
    if (env === 'local') expect(svc.spec.clusterIP).toBe('None');
    else expect(svc.spec).toMatchObject({ type: 'ExternalName', externalName: 'bigapp-db.example.internal' });
  });
});

describe('invariant checks catch broken objects', () => {
  const settings = settingsFor('local');
  const fresh = () => render('local', synthetic, settings).map((m) => structuredClone(m.object) as K8sObject & Any);
  const problemsAfter = (edit: (objects: (K8sObject & Any)[]) => void) => {
    const objects = fresh();
    edit(objects);
    return invariantProblems(objects, synthetic, settings).map((p) => `${p.object}: ${p.problem}`);
  };
  const find = (objects: Any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  it('selector drift', () => {
    expect(problemsAfter((o) => (find(o, 'Deployment', 'web').spec.template.metadata.labels['app.kubernetes.io/name'] = 'webx'))).toEqual(
      expect.arrayContaining(['Deployment/web: spec.selector.matchLabels does not match the pod template labels', 'Service/web: selector matches no pod template']),
    );
  });
  it('a missing probe or a weakened security context', () => {
    const p = problemsAfter((o) => {
      const c = find(o, 'Deployment', 'image').spec.template.spec.containers[0];
      delete c.readinessProbe;
      c.securityContext.readOnlyRootFilesystem = false;
    });
    expect(p).toEqual(expect.arrayContaining(['Deployment/image: container image: needs both a liveness and a readiness probe', 'Deployment/image: container image: readOnlyRootFilesystem is not true']));
  });
  it('a ScaledObject on another queue or another Redis', () => {
    const p = problemsAfter((o) => {
      const t = find(o, 'ScaledObject', 'image').spec.triggers[0];
      t.metadata.listName = 'export.queue';
      t.metadata.address = 'redis:6379';
    });
    expect(p).toEqual(expect.arrayContaining([expect.stringContaining("listName is not the service's own queue image.queue"), expect.stringContaining('address is not the Redis the pods use')]));
  });
  it('a scaled singleton, and a Secret with a value', () => {
    const p = problemsAfter((o) => {
      find(o, 'Deployment', 'cmd').spec.replicas = 2;
      o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'bigapp' }, stringData: { password: 'x' } });
    });
    expect(p).toEqual(expect.arrayContaining(['Deployment/cmd: a singleton must have exactly one replica', 'Secret/leak: a Secret with values must never be rendered or committed']));
  });
});

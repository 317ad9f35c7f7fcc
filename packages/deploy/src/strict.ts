import path from 'node:path';
import { DeployError } from './errors.js';
import { MODELS, modelKey } from './models.js';
import type { K8sObject } from './objects.js';
import { describe } from './objects.js';
import { repoRoot } from './paths.js';

/*
 * kubernetes-models validates types and required fields but lets unknown
 * fields through (the OpenAPI schemas do not set additionalProperties:
 * false), and the API server would silently drop them: a misspelt
 * `readOnlyRootFileSystem` would ship an unhardened pod. This walks each
 * object against the field lists of kubernetes-models' generated TypeScript
 * interfaces (generated from the same OpenAPI/CRD schemas), using the
 * TypeScript compiler at run time. TypeScript is a dev dependency: render is
 * a development-time command, never run inside the image.
 */

type TS = typeof import('typescript');
interface Checker {
  ts: TS;
  checker: import('typescript').TypeChecker;
  roots: Map<string, import('typescript').Type>;
}

let loading: Promise<Checker> | undefined;

async function load(): Promise<Checker> {
  let ts: TS;
  try {
    ts = (await import('typescript')).default;
  } catch (err) {
    throw new DeployError('deploy_validator_unavailable', 'the strict field check needs the dev dependency "typescript": run `npm ci` (with dev dependencies) in the repository', { cause: err });
  }
  const entries = Object.entries(MODELS);
  const root = path.join(repoRoot, '__bigapp_strict_check__.ts');
  const source = [
    ...entries.map(([, m], i) => `import type { I${kindOf(m.typesModule)} as T${i} } from '${m.typesModule}';`),
    `export interface Roots { ${entries.map((_, i) => `t${i}: T${i};`).join(' ')} }`,
  ].join('\n');
  const options: import('typescript').CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (file === root ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest));
  host.fileExists = (file) => file === root || fileExists(file);
  const program = ts.createProgram([root], options, host);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(root);
  const rootsSymbol = sf && checker.getSymbolAtLocation(sf)?.exports?.get(ts.escapeLeadingUnderscores('Roots'));
  if (!rootsSymbol) throw new DeployError('deploy_validator_unavailable', 'could not load the kubernetes-models type definitions for the strict field check');
  const rootsType = checker.getDeclaredTypeOfSymbol(rootsSymbol);
  const roots = new Map<string, import('typescript').Type>();
  entries.forEach(([key], i) => {
    const prop = checker.getPropertyOfType(rootsType, `t${i}`);
    const type = prop && checker.getTypeOfSymbol(prop);
    if (!type || type.flags & ts.TypeFlags.Any) {
      throw new DeployError('deploy_validator_unavailable', `kubernetes-models has no type for ${key} (is the dev dependency installed?)`);
    }
    roots.set(key, type);
  });
  return { ts, checker, roots };
}

function kindOf(typesModule: string): string {
  return typesModule.slice(typesModule.lastIndexOf('/') + 1);
}

/** Field paths in `o` that its kind's schema does not define. */
function walk(c: Checker, value: unknown, type: import('typescript').Type, at: string, out: string[]): void {
  const { ts, checker } = c;
  if (value === null || typeof value !== 'object') return;
  const t = checker.getNonNullableType(type);
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const members = t.isUnion() ? t.types : [t];
  if (Array.isArray(value)) {
    const arr = members.find((m) => checker.isArrayType(m));
    const element = arr && checker.getTypeArguments(arr as import('typescript').TypeReference)[0];
    if (!element) return void out.push(`${at}: an array where the schema has none`);
    value.forEach((v, i) => walk(c, v, element, `${at}[${i}]`, out));
    return;
  }
  const objects = members.filter((m) => m.flags & ts.TypeFlags.Object && !checker.isArrayType(m));
  if (objects.length === 0) return; // a scalar in the schema; kubernetes-models reports the type mismatch
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const here = at ? `${at}.${key}` : key;
    let fieldType: import('typescript').Type | undefined;
    for (const m of objects) {
      const prop = checker.getPropertyOfType(m, key);
      if (prop) {
        fieldType = checker.getTypeOfSymbol(prop);
        break;
      }
      const index = checker.getIndexInfoOfType(m, ts.IndexKind.String);
      if (index) {
        fieldType = index.type;
        break;
      }
    }
    if (!fieldType) out.push(`${here}: unknown field`);
    else walk(c, v, fieldType, here, out);
  }
}

export interface FieldProblem {
  object: string;
  problem: string;
}

export async function unknownFields(objects: readonly K8sObject[]): Promise<FieldProblem[]> {
  loading ??= load();
  let c: Checker;
  try {
    c = await loading;
  } catch (err) {
    loading = undefined;
    throw err;
  }
  const problems: FieldProblem[] = [];
  for (const o of objects) {
    const type = c.roots.get(modelKey(o));
    if (!type) {
      problems.push({ object: describe(o), problem: `${modelKey(o)} is not a kind bigapp knows how to validate (add it to models.ts)` });
      continue;
    }
    const found: string[] = [];
    walk(c, o, type, '', found);
    for (const p of found) problems.push({ object: describe(o), problem: p });
  }
  return problems;
}

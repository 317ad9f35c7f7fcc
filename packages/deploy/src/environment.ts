import type { ServiceDeclaration } from '@bigapp/kit/service';
import { loadSettings, type LoadSettingsOptions } from './environments.js';
import type { Manifest } from './objects.js';
import { defaultOutDir } from './paths.js';
import { render } from './render.js';
import type { Settings } from './settings.js';
import { validateManifests } from './validate.js';
import { diffFiles, readRendered, toFiles, writeFiles } from './writer.js';

export interface RenderEnvironmentOptions extends LoadSettingsOptions {
  env: string;
  /** Defaults to the registry in services/registry.ts. */
  services?: readonly ServiceDeclaration[];
}

export interface RenderedEnvironment {
  settings: Settings;
  manifests: Manifest[];
  files: Map<string, string>;
}

async function registry(): Promise<readonly ServiceDeclaration[]> {
  // Loaded on demand: it imports every service's handlers, which only rendering needs.
  const mod = await import('@bigapp/services');
  return mod.services;
}

/** Settings → objects → validation → YAML text. Nothing touches the disk; any error throws before a file exists. */
export async function renderEnvironment(opts: RenderEnvironmentOptions): Promise<RenderedEnvironment> {
  const settings = loadSettings(opts.env, opts);
  const services = opts.services ?? (await registry());
  const manifests = render(opts.env, services, settings);
  await validateManifests(manifests, services, settings);
  return { settings, manifests, files: toFiles(opts.env, manifests) };
}

export async function writeEnvironment(opts: RenderEnvironmentOptions & { outDir?: string }): Promise<RenderedEnvironment & { outDir: string; written: string[] }> {
  const rendered = await renderEnvironment(opts);
  const outDir = opts.outDir ?? defaultOutDir(opts.env, opts.root);
  const written = await writeFiles(outDir, rendered.files);
  return { ...rendered, outDir, written };
}

/** Files in `dir` that a fresh render would change; empty when the committed manifests are current. */
export async function staleFiles(opts: RenderEnvironmentOptions & { outDir?: string }): Promise<string[]> {
  const { files } = await renderEnvironment(opts);
  return diffFiles(files, await readRendered(opts.outDir ?? defaultOutDir(opts.env, opts.root)));
}

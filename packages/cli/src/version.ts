import { readFileSync } from 'node:fs';

/** The release version, from the root package.json (the one the image label also uses). */
export function version(): string {
  if (process.env.BIGAPP_VERSION) return process.env.BIGAPP_VERSION;
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

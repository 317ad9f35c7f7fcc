import type { ServiceDeclaration } from '@bigapp/kit';
import cmd from './cmd/service.js';
import demo from './demo/service.js';
import exportService from './export/service.js';
import image from './image/service.js';
import importService from './import/service.js';
import web from './web/service.js';

/**
 * Every service bigapp runs. The runner (`bigapp start`, `bigapp up`), the
 * Kubernetes manifests and the dashboard all read this list and nothing else.
 */
export const services: readonly ServiceDeclaration[] = [web, image, exportService, importService, cmd, demo] as ServiceDeclaration[];

export function findService(name: string): ServiceDeclaration | undefined {
  return services.find((s) => s.name === name);
}

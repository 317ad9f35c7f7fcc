import type { ServiceContext } from '@bigapp/kit';

/** Placeholder until the web service is built. */
export async function startWeb(ctx: ServiceContext): Promise<() => Promise<void>> {
  ctx.log.warn('the web service is not implemented yet');
  return async () => undefined;
}

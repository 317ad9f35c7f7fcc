import type { ServiceContext } from '@bigapp/kit';

/**
 * In dev, the demo sends itself an echo job every few seconds and logs the
 * round trip, so `npm start` shows the bus working end to end.
 */
export async function startTicker(ctx: ServiceContext): Promise<(() => Promise<void>) | void> {
  const every = ctx.config.demoTickMs;
  if (!every) return;
  let n = 0;
  const timer = setInterval(() => {
    const t0 = performance.now();
    ctx.bus.request('demo', 'echo', { text: `tick ${++n}` }, { waitMs: every }).then(
      (s) => ctx.log.info({ jobId: s.id, status: s.status, result: s.result, roundTripMs: +(performance.now() - t0).toFixed(2) }, 'demo job round trip'),
      (err) => ctx.log.warn({ err: (err as Error).message }, 'demo job did not come back'),
    );
  }, every);
  timer.unref();
  return async () => clearInterval(timer);
}

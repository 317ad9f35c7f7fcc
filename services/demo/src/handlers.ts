import type { JobContext } from '@bigapp/kit';

export async function echo(data: { text: string; delayMs?: number }, ctx: JobContext) {
  if (data.delayMs) await new Promise((r) => setTimeout(r, data.delayMs));
  await ctx.publish('demo.echoed', { jobId: ctx.jobId, text: data.text });
  return { text: data.text, length: data.text.length };
}

export async function noop(): Promise<null> {
  return null;
}

export async function fail(data: { reason: string; hang?: boolean }, ctx: JobContext): Promise<null> {
  if (data.hang) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  // A plain Error is retryable: this job shows backoff and dead-lettering.
  throw new Error(data.reason);
}

import type { Tracer } from '@opentelemetry/api';
import type { RecentTraces } from './recent-traces.js';

export interface Tracing {
  tracer: Tracer;
  /** Present without an OTLP endpoint. */
  recent: RecentTraces | undefined;
  /** Takes one sample from the rate limit (for traces arriving from other processes). */
  admit(): boolean;
  shutdown(): Promise<void>;
}

// Kept apart from setup.ts so that code which only starts spans does not load the SDK.
let active: Tracing | undefined;

/** The process's tracing, once set up (undefined when tracing is off). */
export function currentTracing(): Tracing | undefined {
  return active;
}

export function setCurrentTracing(t: Tracing | undefined): void {
  active = t;
}

/**
 * Every Redis key and channel the bus uses. docs/protocol.md documents the
 * same names; a worker in another language builds them the same way.
 */

/** A list consumed reliably, with the prefix its bookkeeping keys hang off. */
export interface Source {
  list: string;
  prefix: string;
}

export const keys = {
  queue: (service: string) => `${service}.queue`,
  done: (service: string) => `${service}.done`,
  dead: (service: string) => `${service}.dead`,
  delayed: (service: string) => `${service}.delayed`,
  idempotency: (service: string, key: string) => `${service}.idem.${key}`,
  result: (service: string, id: string) => `${service}.result.${id}`,
  resultPrefix: (service: string) => `${service}.result.`,
  resultsChannel: (service: string) => `${service}.results`,
  event: (name: string) => `events.${name}`,
  /** Ids of durable (ledger) jobs Redis currently holds. */
  ledger: (service: string) => `${service}.ledger`,
  jobSource: (service: string): Source => ({ list: `${service}.queue`, prefix: service }),
  doneSource: (service: string): Source => ({ list: `${service}.done`, prefix: `${service}.done` }),
  inflight: (src: Source, consumer: string) => `${src.prefix}.inflight.${consumer}`,
  consumers: (src: Source) => `${src.prefix}.consumers`,
  heartbeat: (src: Source, consumer: string) => `${src.prefix}.consumer.${consumer}`,
  reaperLock: (src: Source) => `${src.prefix}.reaper`,
};

/** Keys a worker's settle step writes to, besides its own source. */
export interface ServiceKeys {
  done: string;
  dead: string;
  delayed: string;
  resultPrefix: string;
  resultsChannel: string;
  /** Longest the done list may grow; 0 = unbounded. */
  doneMaxLen?: number;
}

export function serviceKeys(service: string, doneMaxLen = 0): ServiceKeys {
  return {
    doneMaxLen,
    done: keys.done(service),
    dead: keys.dead(service),
    delayed: keys.delayed(service),
    resultPrefix: keys.resultPrefix(service),
    resultsChannel: keys.resultsChannel(service),
  };
}

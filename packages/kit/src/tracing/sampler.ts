import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Samples at most `perSecond` new traces per second per process (a token
 * bucket). At the volumes of a laptop or a quiet service every job is traced;
 * at tens of thousands of jobs per second tracing costs almost nothing,
 * because only a trickle of traces is recorded.
 */
export class RateLimitingSampler implements Sampler {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  shouldSample(): SamplingResult {
    if (this.perSecond <= 0) return { decision: SamplingDecision.NOT_RECORD };
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return { decision: SamplingDecision.NOT_RECORD };
    this.tokens -= 1;
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }

  toString(): string {
    return `RateLimitingSampler{${this.perSecond}/s}`;
  }
}

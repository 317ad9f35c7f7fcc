import { encodeKeyPath, signPresigned, type Bucket } from '@bigapp/kit/storage';

const DAY_S = 86_400;

/**
 * Links to bucket objects for browsers.
 *
 * Thumbnails: keys are content-addressed (the bytes behind a key never
 * change), so their links are made to be cacheable: the expiry is rounded up
 * to the end of the next UTC day, which keeps the URL identical for every
 * request during a day (browser and CDN caches hit) while still expiring. The
 * folder driver's links are signed here (same HMAC as the kit's) so they are
 * byte-for-byte stable; `/bucket/*` serves thumbnails with
 * `Cache-Control: public, max-age=31536000, immutable`. With S3 the driver
 * signs (SigV4 embeds the signing time, so URLs vary per request; a CDN in
 * front should ignore the query string for the thumbnail prefix).
 *
 * Without BUCKET_PUBLIC_URL the folder driver's links are relative
 * (`/bucket/...`): the web service that hands them out also serves them.
 */
export class Links {
  constructor(
    private readonly bucket: Bucket,
    private readonly o: { localSecret?: string | undefined; publicUrl?: string | undefined; now?: () => number } = {},
  ) {}

  private nowS(): number {
    return Math.floor((this.o.now ?? Date.now)() / 1000);
  }

  /** Stable within a UTC day, valid for at least 24 h. */
  async thumbnail(key: string): Promise<string> {
    const now = this.nowS();
    const exp = (Math.floor(now / DAY_S) + 2) * DAY_S;
    return this.signed(key, exp, now);
  }

  /** A link valid for `seconds` (export archives). */
  async download(key: string, seconds: number): Promise<string> {
    const now = this.nowS();
    return this.signed(key, now + seconds, now);
  }

  private async signed(key: string, exp: number, now: number): Promise<string> {
    if (this.bucket.driver === 'local' && this.o.localSecret) {
      const sig = signPresigned('GET', key, exp, this.o.localSecret);
      const base = (this.o.publicUrl ?? '').replace(/\/+$/, '');
      return `${base}/bucket/${encodeKeyPath(key)}?method=GET&exp=${exp}&sig=${sig}`;
    }
    return this.bucket.presignGet(key, Math.min(exp - now, 7 * DAY_S));
  }
}

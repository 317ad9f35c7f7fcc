import { describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../services/web/src/config.js';
import { AttemptLimiter } from '../../services/web/src/auth/rate-limit.js';
import { decodeCursor, encodeCursor } from '../../services/web/src/media/cursor.js';
import { sniffImage } from '../../services/web/src/media/sniff.js';
import { allows } from '../../services/web/src/access.js';

describe('web pure parts', () => {
  it('config: defaults, Secure cookie outside dev/test, bad values name the variable', () => {
    expect(parseWebConfig({})).toMatchObject({ port: 8080, uploadMaxBytes: 50 * 1024 * 1024, cookieSecure: false, seedDemo: true });
    expect(parseWebConfig({ BIGAPP_ENV: 'prod' })).toMatchObject({ cookieSecure: true, seedDemo: false });
    expect(parseWebConfig({ BIGAPP_HTTP_PORT: '0' }).port).toBe(0);
    expect(() => parseWebConfig({ BIGAPP_UPLOAD_MAX_BYTES: 'lots' })).toThrow(/BIGAPP_UPLOAD_MAX_BYTES/);
    expect(() => parseWebConfig({ BIGAPP_HTTP_PORT: '70000' })).toThrow(/BIGAPP_HTTP_PORT/);
    expect(() => parseWebConfig({ BIGAPP_COOKIE_SECURE: 'maybe' })).toThrow(/BIGAPP_COOKIE_SECURE/);
    expect(parseWebConfig({ BIGAPP_TRUST_PROXY: '1' }).trustProxy).toBe(1);
  });

  it('rate limiter: fixed window per key', () => {
    let t = 0;
    const l = new AttemptLimiter(2, 1000, () => t);
    expect([l.hit('a'), l.hit('a'), l.hit('b')]).toEqual([0, 0, 0]);
    expect(l.hit('a')).toBe(1);
    t = 1000;
    expect(l.hit('a')).toBe(0);
  });

  it('cursor round-trips and refuses forgeries', () => {
    const c = { createdAt: '2024-05-01T10:11:12.123456Z', id: '0b4f3c9e-4a57-4bde-9c1c-2f7b5c2f8a11' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('garbage!')).toBeUndefined();
    expect(decodeCursor(Buffer.from("x|' or 1=1").toString('base64url'))).toBeUndefined();
  });

  it('sniffing and roles', async () => {
    expect(await sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatchObject({ ok: false, reason: expect.stringMatching(/SVG/) });
    expect(await sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]))).toMatchObject({ ok: true, type: 'image/jpeg' });
    expect(allows('owner', 'editor')).toBe(true);
    expect(allows('viewer', 'editor')).toBe(false);
  });
});

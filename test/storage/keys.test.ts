import { describe, expect, it } from 'vitest';
import { assertValidKey, assertValidPrefix, isValidKey, MAX_KEY_BYTES, StorageError } from '../../packages/kit/src/storage/index.js';

describe('key rules', () => {
  it.each([
    'a',
    'photos/2024/cat.jpg',
    'with space/and-dash_under.score',
    'ünï/日本語/😀.png',
    '.hidden/file',
    'a..b/c...d',
    'x'.repeat(MAX_KEY_BYTES),
  ])('accepts %j', (key) => {
    expect(isValidKey(key)).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['/abs', /absolute/],
    ['../../etc/passwd', /"\.\." segment/],
    ['a/../../b', /"\.\." segment/],
    ['a/..', /"\.\." segment/],
    ['a/./b', /"\." segment/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    ['a\\b', /backslash/],
    ['a\0b', /control character or NUL/],
    ['a\nb', /control character/],
    ['a\u007fb', /control character/],
    ['a\u0085b', /control character/],
    ['x'.repeat(MAX_KEY_BYTES + 1), /1024 bytes/],
    ['é'.repeat(513), /1024 bytes/],
    ['a\uD800b', /well-formed Unicode/],
    ['.bigapp/meta/x', /reserved/],
  ])('rejects %j', (key, why) => {
    let caught: unknown;
    try {
      assertValidKey(key);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe('invalid_key');
    expect((caught as StorageError).message).toMatch(why);
    expect((caught as StorageError).safeMessage).toMatch(/^The object key is not allowed: /);
  });

  it('shortens very long keys in the message', () => {
    expect(() => assertValidKey('k'.repeat(5000))).toThrow(/^invalid object key "k{80}…": /);
  });

  it('checks list prefixes by their complete segments only', () => {
    for (const ok of ['', 'a', 'a/', 'a/b', 'a/.', 'a/..', 'photos/2024/ca']) expect(() => assertValidPrefix(ok)).not.toThrow();
    for (const bad of ['/', '../', 'a/../', 'a//b', '\\', 'a\0', '.bigapp/']) expect(() => assertValidPrefix(bad)).toThrow(StorageError);
  });
});

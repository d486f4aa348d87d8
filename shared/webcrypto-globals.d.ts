/**
 * The WebCrypto types under their global names. Node 24 has the globals `crypto`,
 * `Crypto` and `CryptoKey` as values, and @types/node@24 (which matches that runtime)
 * declares them as values only: these interfaces give the same names as types, as
 * newer @types/node lines and the DOM library do.
 */
import type { webcrypto } from 'node:crypto';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Crypto extends webcrypto.Crypto {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface CryptoKey extends webcrypto.CryptoKey {}
}

/**
 * Security headers on every answer of the HTTP server. The console is served from the same
 * origin as the API, so one strict Content-Security-Policy covers both: scripts, styles
 * and fetches from this origin only, nothing inline, no framing (clickjacking), no base or
 * form target elsewhere. `'wasm-unsafe-eval'` lets the console compile WebAssembly, and only
 * that (JavaScript eval stays forbidden): asciinema-player replays recordings with a terminal
 * emulator shipped in its bundle as WebAssembly. The Swagger page (/docs) needs inline hashes of its own: its plugin
 * sets a policy of its own there (swaggerUiCsp), with the same framing rule.
 */
import type { FastifyInstance } from 'fastify';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * What the Swagger UI plugin's own policy becomes: http stays http (the controller listens
 * on plain http on loopback by default), no framing, no image from elsewhere, and inline
 * style attributes allowed, which Swagger UI sets as it draws (scripts stay hash-only; the
 * page holds no data).
 */
export const swaggerUiCsp = (header: string): string =>
  header
    .replace(/\s*upgrade-insecure-requests;?/, '')
    .replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'")
    .replace(/\s*img-src [^;]*/, " img-src 'self' data:")
    .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'");

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('cross-origin-opener-policy', 'same-origin');
    if (!req.url.startsWith('/docs')) void reply.header('content-security-policy', CONSOLE_CSP);
    return payload;
  });
}

/** The same headers for an answer written to the raw socket (a hijacked stream). */
export const RAW_SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CONSOLE_CSP,
};

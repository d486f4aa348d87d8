/**
 * The web console: the files `npm run build:console` writes to dist/web, served at `/`
 * from the same origin as the API (no CORS, one CSP). A path that is no file and not the
 * API's is one of the console's own pages (/hosts/abc): it gets index.html, and the
 * console's router draws it. The API never gets that fallback: an unknown /api/ route is
 * a JSON 404, as before. When the console was not built, `/` says how to build it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../shared/errors';

export const CONSOLE_DIR = path.join(import.meta.dirname, '..', '..', 'dist', 'web');

/** Paths that belong to the server, never to the console's router. */
const SERVER_PATHS = /^\/(api|docs|metrics|healthz)(\/|$|\?)/;

const NOT_BUILT =
  '<!doctype html><title>Keywarden</title><p>The web console is not built. Run <code>npm run build:console</code> (npm ci runs it) and reload.</p>';

export async function registerConsoleRoutes(
  app: FastifyInstance,
  dir: string = CONSOLE_DIR,
): Promise<void> {
  const indexPath = path.join(dir, 'index.html');
  // Read per request only while it is missing: a build after start is then picked up.
  let index: string | null = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
  const sendIndex = (reply: FastifyReply) => {
    if (index === null && existsSync(indexPath)) index = readFileSync(indexPath, 'utf8');
    return reply
      .code(index === null ? 503 : 200)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(index ?? NOT_BUILT);
  };
  if (existsSync(dir))
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: true,
      index: false,
      decorateReply: false,
      // Vite names assets by content hash: they never change under the same name.
      setHeaders: (res, file) => {
        if (file.includes(`${path.sep}assets${path.sep}`))
          void res.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  else app.get('/*', async (_req, reply) => sendIndex(reply));
  app.get('/', async (_req, reply) => sendIndex(reply));
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const url = req.url;
    const wantsPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !SERVER_PATHS.test(url) &&
      !path.extname(url.split('?')[0] ?? '');
    if (wantsPage) return sendIndex(reply);
    const err = notFound(`no route ${req.method} ${url.split('?')[0]}`);
    return reply.code(404).send({ error: err.toJSON() });
  });
}

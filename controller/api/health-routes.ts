import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store';

/** Unauthenticated liveness: answers 200 when the store answers, 503 otherwise. */
export function registerHealthRoutes(app: FastifyInstance, store: Store): void {
  app.get('/healthz', async (_req, reply) => {
    try {
      await store.robots.list();
      return { status: 'ok', store: store.kind };
    } catch (err) {
      return reply
        .code(503)
        .send({ status: 'unavailable', store: store.kind, error: (err as Error).message });
    }
  });
}

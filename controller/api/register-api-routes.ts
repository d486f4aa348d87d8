import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';

/** Mounts /api/v1. Each area's routes live in their own file beside this one. */
export async function registerApiRoutes(
  _app: FastifyInstance,
  _services: ControllerServices,
): Promise<void> {}

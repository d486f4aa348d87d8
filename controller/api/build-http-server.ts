/**
 * The admin HTTP server. Errors with a stable code become JSON bodies
 * `{ error: { code, message, details } }` with the code's HTTP status.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { badRequest, internalError, invalidInput, KeywardenError } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { registerHealthRoutes } from './health-routes';
import { registerApiRoutes } from './register-api-routes';
import { describeValidationError } from './validation-error';
import { redactSealed } from '../secrets/sealed-params';
import { enforceRouteTable } from './route-roles';
import { addSecurityHeaders } from './security-headers';
import { registerConsoleRoutes } from './console-routes';

export async function buildHttpServer(
  services: ControllerServices,
  log: Logger,
): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    // An unknown field is an error the caller should see, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof KeywardenError) {
      return reply.code(err.httpStatus).send({ error: err.toJSON() });
    }
    const e = err as {
      validation?: unknown;
      validationContext?: string;
      statusCode?: number;
      message: string;
    };
    if (e.validation) {
      const { message, details } = describeValidationError(
        e.validation,
        e.validationContext,
        e.message,
      );
      return reply.code(400).send({ error: invalidInput(message, { details }).toJSON() });
    }
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) log.error({ err }, 'request failed');
    // fastify's own 4xx (a malformed body, a payload too large) keep their status.
    const error = status === 500 ? internalError(e.message) : badRequest(e.message);
    return reply.code(status).send({ error: error.toJSON() });
  });
  // No answer shows a sealed credential, not even as ciphertext: whatever route returns a
  // job's params or result, a sealed value reads "[sealed]" (controller/secrets/sealed-params.ts).
  app.addHook('preSerialization', async (_req, _reply, payload) => redactSealed(payload));
  // Before any route: each must be in the route table with the role it declares.
  enforceRouteTable(app);
  addSecurityHeaders(app);
  registerHealthRoutes(app, services.store);
  await registerApiRoutes(app, services);
  // Last: its not-found handler sends the console's pages, never an /api/ route.
  await registerConsoleRoutes(app);
  return app;
}

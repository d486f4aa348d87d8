import { registerPolicyRoutes } from './policy-routes';
import { registerDailyReportRoutes } from './daily-report-routes';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';
import { AuthFailureGuard } from '../auth/auth-failures';
import { SyslogSender } from '../notify/syslog-sender';
import { registerAgentsRoutes } from './agents-routes';
import { registerAccessGraphRoutes } from './access-graph-routes';
import { registerAlertsRoutes } from './alerts-routes';
import { registerAuditRoutes } from './audit-routes';
import { bearerAuth } from './auth';
import { registerHostIntakeRoutes } from './host-intake-routes';
import { registerHostsRoutes } from './hosts-routes';
import { registerIcbRoutes } from './icb-routes';
import { registerJobsRoutes } from './jobs-routes';
import { registerMetricsRoutes } from './metrics-routes';
import { registerReportsRoutes } from './reports-routes';
import { registerRobotsRoutes } from './robots-routes';
import { registerTokensRoutes } from './tokens-routes';
import { registerInventoryRoutes } from './inventory-routes';
import { registerKeyRoutes } from './key-routes';
import { registerHostGroupRoutes } from './host-group-routes';
import { registerAuthorizationRoutes } from './authorization-routes';
import { registerBlacklistRoutes } from './blacklist-routes';
import { registerReviewRoutes } from './review-routes';
import { registerWhoamiRoutes } from './whoami-routes';
import { registerJobEventsRoutes } from './job-events-routes';
import { swaggerUiCsp } from './security-headers';
import { registerApplicationsRoutes } from './applications-routes';
import { registerPurgeRequestRoutes } from './purge-request-routes';
import { registerArchiveRoutes } from './archive-routes';
import { registerListingRoutes } from './listing-routes';
import { registerKeyRetirementRoutes } from './key-retirement-routes';
import { registerExportRoutes } from './export-routes';
import { registerNotificationRoutes } from './notification-routes';
import { registerDirectoryRoutes } from './directory-routes';
import { registerApprovalRoutes } from './approval-routes';
import { registerApprovalLinkRoutes } from './approval-link-routes';
import { registerImapRoutes } from './imap-routes';
import { registerDirectoryLinkRoutes } from './directory-link-routes';
import { registerAccessGroupMemberRoutes } from './access-group-member-routes';
import { registerSessionRoutes } from './session-routes';
import { registerWebTerminalRoutes } from './web-terminal-routes';

/**
 * Mounts /api/v1, /metrics and the API documentation. Each area's routes live in their
 * own file beside this one. The OpenAPI document and the /docs page need no token: they
 * describe the API and hold no data, and a browser cannot send a bearer token to them.
 */
export async function registerApiRoutes(
  app: FastifyInstance,
  services: ControllerServices,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Keywarden admin API',
        version: 'v1',
        description:
          'Jobs, robots, reports, alerts, audit and tokens. Send "Authorization: Bearer <token>".',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // Its own CSP (inline hashes of its page), made as strict as the console's where it can be.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: swaggerUiCsp,
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Failed authentications are counted per client by @fastify/rate-limit (no route is
  // limited as such: only failures count) and audited.
  await app.register(rateLimit, { global: false });
  const guard = new AuthFailureGuard({
    store: services.store,
    countFailure: app.createRateLimit({
      max: services.config.authFailureLimit,
      timeWindow: services.config.authFailureWindowMs,
      keyGenerator: (req) => req.ip,
    }),
    windowMs: services.config.authFailureWindowMs,
    log: services.log.child({ component: 'auth' }),
  });
  app.addHook('onClose', () => guard.stop());
  const auth = bearerAuth(services.store, guard);
  const syslog = services.config.syslog ? new SyslogSender(services.config.syslog) : null;
  registerJobsRoutes(app, services, auth);
  registerHostsRoutes(app, services, auth);
  registerHostIntakeRoutes(app, services, auth);
  registerRobotsRoutes(app, services, auth, syslog);
  registerReportsRoutes(app, services, auth);
  registerAlertsRoutes(app, services, auth);
  registerAuditRoutes(app, services, auth);
  registerTokensRoutes(app, services, auth);
  registerMetricsRoutes(app, services, auth);
  registerIcbRoutes(app, services, auth);
  registerAgentsRoutes(app, services, auth);
  registerInventoryRoutes(app, services, auth);
  registerKeyRoutes(app, services, auth);
  registerHostGroupRoutes(app, services, auth);
  registerAuthorizationRoutes(app, services, auth);
  registerAccessGraphRoutes(app, services, auth);
  registerBlacklistRoutes(app, services, auth);
  registerReviewRoutes(app, services, auth);
  registerWhoamiRoutes(app, auth);
  registerJobEventsRoutes(app, services, auth);
  registerApplicationsRoutes(app, services, auth);
  registerPurgeRequestRoutes(app, services, auth);
  registerArchiveRoutes(app, services, auth);
  registerListingRoutes(app, services, auth);
  registerKeyRetirementRoutes(app, services, auth);
  registerExportRoutes(app, services, auth);
  registerPolicyRoutes(app, services, auth);
  registerDailyReportRoutes(app, services, auth);
  registerNotificationRoutes(app, services, auth);
  registerDirectoryRoutes(app, services, auth);
  registerApprovalRoutes(app, services, auth);
  registerApprovalLinkRoutes(app, services);
  registerImapRoutes(app, services, auth);
  registerDirectoryLinkRoutes(app, services, auth);
  registerAccessGroupMemberRoutes(app, services, auth);
  registerSessionRoutes(app, services, auth);
  await registerWebTerminalRoutes(app, services, auth);
}

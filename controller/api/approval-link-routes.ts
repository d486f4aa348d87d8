/**
 * The approve/deny links of approval emails. They need no API token: the signed,
 * single-use token is the credential (approvals/redeem-token.ts). The email's link is
 * `/approval-links#<token>`: the page's script reads the token from the fragment (which no
 * browser sends, so no log holds it), shows what it would decide (`check`), and decides
 * only on a click (`decide`): a mail scanner that opens the link decides nothing.
 * Limited per client address, like failed logins.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { describeTarget } from '../approvals/approval-email';
import { notPending } from '../approvals/decide-approval';
import { inspectToken, redeemToken } from '../approvals/redeem-token';
import type { ControllerServices } from '../controller-services';
import { TokenBody } from './approval-schemas';
import { errors } from './schemas';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keywarden approval</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/approval-links/page.js" defer></script></head>
<body><h1>Keywarden approval</h1><p id="what">Checking the link…</p>
<button id="go" hidden></button><p id="result"></p></body></html>
`;

// Plain DOM, textContent only: nothing from the server is parsed as HTML.
const SCRIPT = `'use strict';
(function () {
  var token = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, '', location.pathname);
  var what = document.getElementById('what');
  var go = document.getElementById('go');
  var result = document.getElementById('result');
  function post(path) {
    return fetch('/approval-links/' + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token }),
    }).then(function (r) { return r.json(); });
  }
  post('check').then(function (b) {
    if (!b.ok) { what.textContent = 'This link cannot be used: ' + b.reason + '.'; return; }
    what.textContent = b.summary;
    go.textContent = b.action === 'approve' ? 'Approve' : 'Deny';
    go.hidden = false;
    go.onclick = function () {
      go.disabled = true;
      post('decide').then(function (d) {
        result.textContent = d.error ? 'Refused: ' + d.error.message : 'Done: the request is ' + d.state + '.';
      });
    };
  });
})();
`;

export function registerApprovalLinkRoutes(app: FastifyInstance, s: ControllerServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['approvals'];
  const limit = { rateLimit: { max: 60, timeWindow: 60_000 } };

  r.get('/approval-links', { config: limit, schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(PAGE),
  );
  r.get('/approval-links/page.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(SCRIPT),
  );

  r.post(
    '/approval-links/check',
    {
      config: limit,
      schema: {
        tags,
        summary: 'What an approval link would decide (nothing is decided)',
        body: TokenBody,
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            reason: Type.Optional(Type.String()),
            action: Type.Optional(Type.String()),
            summary: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const now = Date.now();
      const seen = await inspectToken(s, req.body.token, now);
      if (!seen.ok) return { ok: false, reason: seen.reason };
      const { request, claims } = seen;
      if (claims.action === 'reply') return { ok: false, reason: 'a reply token is not a link' };
      if (request.state !== 'pending') return { ok: false, reason: notPending(request) };
      const approver = request.approvers[claims.approverIndex];
      return {
        ok: true,
        action: claims.action,
        summary: `${approver?.name ?? ''}: ${claims.action} request ${request.id}: key ${request.fingerprint} as ${request.account} on ${describeTarget(request)}, asked by ${request.requester}.`,
      };
    },
  );

  r.post(
    '/approval-links/decide',
    {
      config: limit,
      schema: {
        tags,
        summary: 'Approve or deny with the token of an approval link (single use)',
        body: TokenBody,
        response: { 200: Type.Object({ id: Type.String(), state: Type.String() }), ...errors },
      },
    },
    async (req) => {
      const after = await redeemToken(s, req.body.token, { via: 'link' }, Date.now());
      return { id: after.id, state: after.state };
    },
  );
}

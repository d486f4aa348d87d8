/**
 * One session through the gateway, from the person's shell request to its end: the access
 * decision, the ephemeral key placed through the job path, the outbound ssh in a pty, both
 * directions recorded, the key removed as soon as the login is done, and the record ended
 * with what happened. Every way out (refused, key not placed, login failed, the person or
 * the host closing, an admin terminating, the recording limit) goes through `finish`.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { errorCode } from '../../shared/errors';
import type { Config } from '../config/load-config';
import type { JobQueue } from '../engine/job-queue';
import type { PersonRecord } from '../store/directory-records';
import type { HostRecord } from '../store/host-records';
import { newId } from '../store/ids';
import type { SessionRecord, SessionState } from '../store/session-records';
import { OPEN_SESSION_STATES } from '../store/session-records';
import type { Store } from '../store/store';
import { CastRecorder } from './cast-recorder';
import {
  grantEphemeralKey,
  oneKeyPlacementAtATime,
  revokeEphemeralKey,
  waitUntilJobEnded,
  waitUntilPlaced,
} from './ephemeral-grant';
import { startOutboundSsh, type OutboundSsh } from './outbound-ssh';
import { offeredHostKey, pinnedFingerprints } from './pinned-host-key';
import { decideSessionAccess } from './session-access';
import { runSessionEndHooks } from './session-end-hooks';
import { sourceAddressFor } from './source-address';
import { parseTargetName, resolveTargetHost } from './target-name';

export interface SessionDeps {
  store: Store;
  queue: JobQueue;
  config: Config;
  log: Logger;
  controllerId: string;
}

/** The person's side: the SSH channel of the shell or exec request. */
export interface PersonChannel {
  write(data: string | Buffer): void;
  writeStderr(text: string): void;
  onData(fn: (data: Buffer) => void): void;
  onClose(fn: () => void): void;
  exit(code: number): void;
}

export interface SessionRequest {
  person: PersonRecord;
  personFingerprint: string;
  fromAddress: string;
  target: string;
  kind: 'shell' | 'exec';
  command: string | null;
  pty: { cols: number; rows: number; term: string };
  /** How the person came in when not by ssh: `web-terminal` (the console) and its token. */
  via?: { entry: 'web-terminal'; token: string };
}

/** What the gateway holds of a running session (heartbeat, resize, terminate). */
export interface LiveSession {
  id: string;
  counts(): { bytesOut: number; bytesIn: number };
  resize(cols: number, rows: number): void;
  terminate(by: string, reason: string): Promise<void>;
  /** Resolves when the session has ended and its record says so. */
  readonly done: Promise<SessionRecord | null>;
}

export function recordingFiles(dataDir: string, id: string, startedAt: number) {
  const day = new Date(startedAt).toISOString().slice(0, 10);
  const rel = path.join('sessions', day, `${id}.cast`);
  const relInput = path.join('sessions', day, `${id}.input.cast`);
  return {
    rel,
    relInput,
    abs: path.join(dataDir, rel),
    absInput: path.join(dataDir, relInput),
  };
}

export function startGatewaySession(
  deps: SessionDeps,
  req: SessionRequest,
  channel: PersonChannel,
  addEvent: (sessionId: string, type: string, details: Record<string, unknown>) => void,
): LiveSession {
  const now = Date.now();
  const id = newId(now);
  const actor = `person:${req.person.uid}`;
  const files = recordingFiles(deps.config.dataDir, id, now);
  let outbound: OutboundSsh | null = null;
  let recorder: CastRecorder | null = null;
  let grant: { authorizationId: string } | null = null;
  let revoked = false;
  let connected = false;
  let ending: { state: SessionState; reason: string | null } | null = null;
  const aborter = new AbortController();
  let resolveDone: (r: SessionRecord | null) => void = () => undefined;
  const done = new Promise<SessionRecord | null>((r) => (resolveDone = r));

  const record: SessionRecord = {
    id,
    personId: req.person.id,
    personUid: req.person.uid,
    personFingerprint: req.personFingerprint,
    hostId: '',
    target: req.target,
    account: '',
    fromAddress: req.fromAddress,
    controllerId: deps.controllerId,
    kind: req.kind,
    command: req.command,
    state: 'connecting',
    reason: null,
    authorizationId: null,
    ephemeralFingerprint: null,
    startedAt: now,
    connectedAt: null,
    endedAt: null,
    lastSeenAt: now,
    bytesOut: 0,
    bytesIn: 0,
    recordingPath: null,
    inputPath: null,
    recordingTruncated: false,
    terminateRequestedAt: null,
    terminateRequestedBy: null,
    exitCode: null,
    ...(req.via ? { via: req.via } : {}),
  };
  const created = deps.store.sessions.create(record);

  const revoke = async () => {
    if (!grant || revoked) return;
    revoked = true;
    const jobId = await revokeEphemeralKey(deps, grant.authorizationId, actor);
    addEvent(id, 'key-removal-queued', { authorizationId: grant.authorizationId, jobId });
    // The removal edits the file the next session's key goes to: that placement waits for
    // it, as two edits of one file at once could lose one of them.
    void oneKeyPlacementAtATime(`${record.hostId}/${record.account}`, () =>
      waitUntilJobEnded(deps.store, jobId, deps.config.gatewayConnectTimeoutMs),
    );
  };

  const finish = async (state: SessionState, reason: string | null, exitCode: number | null) => {
    if (ending) return;
    ending = { state, reason };
    aborter.abort();
    outbound?.kill('SIGHUP');
    const end = Date.now();
    try {
      await created;
      await revoke().catch((err: unknown) =>
        deps.log.error({ err, sessionId: id }, 'could not queue the session key removal'),
      );
      if (recorder) await recorder.close();
      const after = await deps.store.sessions.update(id, OPEN_SESSION_STATES, {
        state,
        reason,
        endedAt: end,
        lastSeenAt: end,
        exitCode,
        bytesOut: recorder?.bytesOut ?? 0,
        bytesIn: recorder?.bytesIn ?? 0,
        recordingTruncated: recorder?.truncated ?? false,
      });
      await deps.store.audit.append({
        at: end,
        actor,
        action: state === 'failed' ? 'session.refused' : 'session.end',
        subject: id,
        details: {
          state,
          reason,
          target: req.target,
          hostId: record.hostId || null,
          account: record.account || null,
          from: req.fromAddress,
          bytesOut: recorder?.bytesOut ?? 0,
          bytesIn: recorder?.bytesIn ?? 0,
          ...(req.via ? { via: req.via } : {}),
        },
      });
      if (after?.recordingPath && after.connectedAt !== null)
        await runSessionEndHooks(
          { session: after, recordingFile: files.abs, inputFile: files.absInput },
          deps.log,
        );
      resolveDone(after);
    } catch (err) {
      deps.log.error({ err, sessionId: id }, 'could not record the end of a session');
      resolveDone(null);
    }
    try {
      if (state === 'failed' || state === 'terminated')
        channel.writeStderr(`keywarden: ${reason}\r\n`);
      channel.exit(exitCode ?? (state === 'ended' ? 0 : 1));
    } catch {
      // The person's connection is already gone.
    }
  };

  const open = async () => {
    await created;
    const { account, host: hostName } = parseTargetName(req.target);
    const host: HostRecord | null = await resolveTargetHost(deps.store, hostName);
    if (!host)
      return finish(
        'failed',
        `no host ${hostName} is registered (or the name is ambiguous: use its id)`,
        null,
      );
    record.hostId = host.id;
    record.account = account;
    await deps.store.sessions.update(id, ['connecting'], { hostId: host.id, account });
    const verdict = await decideSessionAccess(
      deps.store,
      req.person,
      host,
      account,
      { address: req.fromAddress, fingerprint: req.personFingerprint },
      Date.now(),
    );
    if (!verdict.allowed) return finish('failed', verdict.reason, null);
    if (host.state !== 'managed')
      return finish(
        'failed',
        `${host.name} is ${host.state}, not managed: Keywarden cannot place a session key there`,
        null,
      );
    const pins = await pinnedFingerprints(deps.store, host);
    const timeoutMs = deps.config.gatewayConnectTimeoutMs;
    const [hostKey, fromAddress] = await Promise.all([
      offeredHostKey(host, pins, timeoutMs),
      deps.config.gatewayFromAddress ?? sourceAddressFor(host.address, host.port),
    ]);
    const g = await oneKeyPlacementAtATime(`${host.id}/${account}`, async () => {
      const granted = await grantEphemeralKey(
        deps,
        {
          sessionId: id,
          hostId: host.id,
          account,
          fromAddress,
          ttlMs: deps.config.gatewayKeyTtlMs,
          actor,
        },
        Date.now(),
      );
      grant = granted;
      await deps.store.sessions.update(id, ['connecting'], {
        authorizationId: granted.authorizationId,
        ephemeralFingerprint: granted.key.fingerprint,
      });
      await waitUntilPlaced(
        deps.store,
        granted.authorizationId,
        host.id,
        timeoutMs,
        aborter.signal,
      );
      return granted;
    });
    if (ending) return;
    recorder = new CastRecorder({
      outputFile: files.abs,
      inputFile: files.absInput,
      header: {
        width: req.pty.cols,
        height: req.pty.rows,
        timestamp: Math.floor(Date.now() / 1000),
        title: `${req.person.uid} → ${account}@${host.name}`,
        term: req.pty.term,
      },
      maxBytes: deps.config.gatewayRecordingMaxBytes,
      onLimit: () =>
        void finish(
          'terminated',
          'the recording size limit was reached: the session was ended',
          null,
        ),
    });
    await deps.store.sessions.update(id, ['connecting'], {
      recordingPath: files.rel,
      inputPath: files.relInput,
    });
    const out = startOutboundSsh({
      address: host.address,
      port: host.port,
      account,
      privateKey: g.key.privateKey,
      hostKey,
      cols: req.pty.cols,
      rows: req.pty.rows,
      term: req.pty.term,
      command: req.command,
      connectTimeoutMs: timeoutMs,
    });
    outbound = out;
    let lastOutputAt = Date.now();
    out.onData((text) => {
      lastOutputAt = Date.now();
      if (recorder?.output(text)) channel.write(text);
    });
    // What the person types before the login is done waits for it: typed into the pty while
    // ssh has not set it raw, it would be echoed and line-edited there, not by the host.
    let held: Buffer[] | null = [];
    channel.onData((data) => {
      if (!recorder?.typed(data)) return;
      if (held) held.push(data);
      else out.write(data);
    });
    out.onExit((code) => {
      // node-pty may report the exit before the last output: let it drain first.
      const drained = async () => {
        const until = Date.now() + 1000;
        while (Date.now() - lastOutputAt < 50 && Date.now() < until)
          await new Promise((r) => setTimeout(r, 25));
      };
      void Promise.all([out.authenticated, drained()]).then(([ok]) =>
        ok
          ? finish('ended', null, code)
          : finish(
              'failed',
              `the login to ${account}@${host.name} failed: ${out.failureReason()}`,
              null,
            ),
      );
    });
    if (!(await out.authenticated) || ending) return;
    out.forgetKey();
    for (const data of held) out.write(data);
    held = null;
    const at = Date.now();
    connected = true;
    await deps.store.sessions.update(id, ['connecting'], { state: 'live', connectedAt: at });
    await deps.store.audit.append({
      at,
      actor,
      action: 'session.start',
      subject: id,
      details: {
        target: req.target,
        hostId: host.id,
        account,
        from: req.fromAddress,
        kind: req.kind,
        ...(req.via ? { via: req.via } : {}),
      },
    });
    // The login is done: the key's line leaves the host now (its expiry covers a failure).
    await revoke();
  };

  channel.onClose(
    () =>
      void (connected
        ? finish('ended', null, null)
        : finish('failed', 'the person disconnected before the session was open', null)),
  );
  open().catch((err: unknown) => {
    const code = errorCode(err);
    deps.log.warn({ err, sessionId: id, code }, 'a gateway session failed to open');
    void finish('failed', (err as Error).message, null);
  });

  return {
    id,
    counts: () => ({ bytesOut: recorder?.bytesOut ?? 0, bytesIn: recorder?.bytesIn ?? 0 }),
    resize: (cols, rows) => {
      recorder?.resize(cols, rows);
      outbound?.resize(cols, rows);
    },
    terminate: async (by, reason) => {
      addEvent(id, 'terminated', { by, reason });
      await finish('terminated', reason, null);
    },
    done,
  };
}

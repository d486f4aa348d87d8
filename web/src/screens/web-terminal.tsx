/**
 * The web terminal: xterm.js over a WebSocket to /api/v1/sessions/terminal, which opens a
 * gateway session as the person this tab's token is linked to (the same session code as
 * `ssh -p PORT account@host@gateway`: same access decision, ephemeral key, recording).
 * The token goes as a subprotocol, never in the URL; keystrokes and resizes go as JSON
 * messages, the host's output comes back the same way. Loaded only when a terminal opens.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { qs, tokenStore } from '../api';
import { withAdoptedStyles } from '../ui/adopted-styles';
import { enc } from '../ui/bits';

type Status =
  | { kind: 'connecting' }
  | { kind: 'open'; sessionId: string | null }
  | { kind: 'ended'; sessionId: string | null; code: number | null }
  | { kind: 'failed'; message: string };

type ServerMessage =
  | { type: 'output'; data: string }
  | { type: 'session'; id: string }
  | { type: 'exit'; code: number };

export default function WebTerminal({ host, account }: { host: string; account: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    withAdoptedStyles(() => term.open(el));
    fit.fit();
    term.focus();
    const url = new URL('/api/v1/sessions/terminal', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = qs({ host, account, cols: term.cols, rows: term.rows });
    const ws = new WebSocket(url, [
      'keywarden.terminal.v1',
      `keywarden.bearer.${tokenStore.get() ?? ''}`,
    ]);
    let sessionId: string | null = null;
    let exitCode: number | null = null;
    let opened = false;
    const send = (m: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
    ws.onopen = () => {
      opened = true;
      setStatus({ kind: 'open', sessionId });
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as ServerMessage;
      if (m.type === 'output') term.write(m.data);
      else if (m.type === 'session') {
        sessionId = m.id;
        setStatus({ kind: 'open', sessionId });
      } else exitCode = m.code;
    };
    ws.onclose = () => {
      if (!opened)
        setStatus({
          kind: 'failed',
          message:
            'The terminal could not connect: the token may have been revoked, or the controller is not reachable.',
        });
      else setStatus({ kind: 'ended', sessionId, code: exitCode });
      term.options.disableStdin = true;
    };
    const typed = term.onData((data) => send({ type: 'input', data }));
    const resized = term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
    const watch = new ResizeObserver(() => fit.fit());
    watch.observe(el);
    return () => {
      watch.disconnect();
      typed.dispose();
      resized.dispose();
      ws.close();
      term.dispose();
    };
  }, [host, account]);
  return (
    <>
      <p role="status" aria-live="polite" class="terminal-status">
        {status.kind === 'connecting' && `Connecting to ${account}@${host}…`}
        {status.kind === 'open' && `Session to ${account}@${host}: recorded.`}
        {status.kind === 'ended' &&
          `The session ended${status.code === null ? '' : ` (exit status ${status.code})`}.`}
        {status.kind === 'failed' && status.message}{' '}
        {(status.kind === 'open' || status.kind === 'ended') && status.sessionId && (
          <a href={`/sessions/${enc(status.sessionId)}`}>Session {status.sessionId}</a>
        )}
      </p>
      <div class="terminal-box" ref={box} aria-label={`Terminal: ${account}@${host}`} />
    </>
  );
}

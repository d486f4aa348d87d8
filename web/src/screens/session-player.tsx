/**
 * A session's recording replayed with asciinema-player (bundled, no CDN). The cast is read
 * with the tab's token like every other call (GET /api/v1/sessions/:id/recording, which
 * audits the read) and handed to the player as data. Loaded only when a recording plays.
 */
import * as AsciinemaPlayer from 'asciinema-player';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getText } from '../api';
import { enc, ErrorBox } from '../ui/bits';

export default function SessionPlayer({ sessionId }: { sessionId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let player: { dispose(): void } | null = null;
    let live = true;
    getText(`/api/v1/sessions/${enc(sessionId)}/recording`).then(
      (cast) => {
        if (!live) return;
        player = AsciinemaPlayer.create({ data: cast }, el, {
          idleTimeLimit: 2,
          fit: 'width',
          preload: true,
        });
      },
      (err: Error) => live && setError(err),
    );
    return () => {
      live = false;
      player?.dispose();
    };
  }, [sessionId]);
  return (
    <>
      <ErrorBox error={error} />
      <div class="player-box" ref={box} />
    </>
  );
}

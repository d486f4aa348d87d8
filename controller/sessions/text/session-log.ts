/**
 * The readable log of one recorded session: what the terminal showed, split into the
 * command lines typed at a prompt, each with the output it printed and its times. It is
 * what `session-log-converter` makes from an asciicast recording and what the indexer and
 * the command audit read.
 */

/** Who, where and when: what the gateway knows about a session besides its recording. */
export interface SessionMetadata {
  sessionId: string;
  hostId: string;
  hostName: string;
  /** The account on the host the session logged in as. */
  account: string;
  /** The person (or the identity) who opened the session. */
  person: string;
  startedAt: number;
  /** null while the session is live (a live session is not converted). */
  endedAt: number | null;
}

export interface LoggedCommand {
  /** 0, 1, 2, ... in the order the commands were typed. */
  seq: number;
  /** The prompt the command was typed at, as the terminal showed it ("alice@web1:~$"). */
  prompt: string;
  /** The command line as it stood when Enter was pressed (after editing and completion). */
  command: string;
  /** The text the command printed, as the terminal showed it (escape sequences applied). */
  output: string;
  /**
   * Full-screen views (a pager, an editor in the alternate screen) as the person saw them,
   * one text per distinct screen, oldest first.
   */
  screens: string[];
  /**
   * How the line was typed, without the characters themselves (a password typed at a
   * prompt that echoes stars must not land in the log): "typed 12 characters; Tab, Left×3".
   */
  keys: string;
  /** Epoch milliseconds: the first key of the line, and the last output before the next prompt. */
  startedAt: number;
  endedAt: number;
  /** Output or screens were cut to the converter's limits. */
  truncated: boolean;
}

export interface SessionLog {
  /** Format of this object, for readers of stored logs. */
  version: 1;
  commands: LoggedCommand[];
  /** Terminal size at the start (columns x rows). */
  width: number;
  height: number;
  /** Output and input bytes the recording held. */
  outputBytes: number;
  inputBytes: number;
  /** Epoch ms of the recording's first and last event. */
  startedAt: number;
  endedAt: number;
}

/**
 * Recorded sessions as text: the readable log the converter makes of a recording, the
 * commands' risk scores, and what search finds. The session gateway owns the session
 * records themselves; these are keyed by its session id.
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
  /** Epoch ms: the first key of the line, and the last output before the next prompt. */
  startedAt: number;
  endedAt: number;
  /** Output or screens were cut to the converter's limits. */
  truncated: boolean;
}

/** The readable log of one recorded session. */
export interface SessionLog {
  /** Format of this object, for readers of stored logs. */
  version: 1;
  /** In typing order; an entry with an empty command holds the output before the first one. */
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

/** What the command audit found for one command. */
export interface CommandScore {
  seq: number;
  /** 0..100 */
  score: number;
  /** The rules that matched: their ids and reasons. */
  reasons: Array<{ rule: string; reason: string; score: number }>;
}

export interface SessionTextRecord {
  session: SessionMetadata;
  log: SessionLog;
  convertedAt: number;
  /** null until the indexer made the session searchable. */
  indexedAt: number | null;
  /** null until the command audit scored the commands. */
  scores: CommandScore[] | null;
  scoredAt: number | null;
}

/** One command made searchable: its line and the text it showed (output and screens). */
export interface IndexedCommand {
  seq: number;
  command: string;
  text: string;
  startedAt: number;
}

/**
 * A search: at least one of `words` (each word anywhere in a command line or its text),
 * `phrase` (these words in this order, punctuation and spacing as given) and `command`
 * (the command line contains this); all given must match one command. `from`/`to` bound
 * when the command was typed, [from, to).
 */
export interface SessionSearch {
  words?: string;
  phrase?: string;
  command?: string;
  from?: number;
  to?: number;
  hostId?: string;
  person?: string;
  /** Sessions per page, 1..100 (default 20). */
  limit?: number;
  cursor?: string;
}

export interface SessionSearchMatch {
  seq: number;
  command: string;
  /** Where the match was found: the command line or the text it showed. */
  in: 'command' | 'text';
  /** A short piece of that text around the match, on one line. */
  snippet: string;
  startedAt: number;
}

export interface SessionSearchHit {
  session: SessionMetadata;
  /** The first matching commands (at most 3), in typing order. */
  matches: SessionSearchMatch[];
  /** How many of the session's commands matched. */
  matchCount: number;
}

export interface SessionSearchPage {
  /** Newest session first (by start, then id). */
  sessions: SessionSearchHit[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import {
  ownsByOptions,
  replaceAuthorizedKeyLine,
  setAuthorizedKeyOptions as setOptionsInText,
  type AuthorizedKeysEdit,
  type OwnsLine,
} from '../ssh/authorized-keys-edit';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAccountKeyFiles } from './edit-authorized-keys-file';

export interface SetAuthorizedKeyOptionsParams {
  account: string;
  fingerprint: string;
  /** The complete new options of the line (an empty list removes them all). */
  options: AuthorizedKeyOption[];
  /** AuthorizedKeysFile patterns to look in (default: the files sshd reads for the account). */
  authorizedKeysFiles?: string[];
  sshdConfigPath?: string;
  /**
   * Which lines are the caller's to rewrite, marker or not: lines with exactly these options,
   * or exactly this text (the records a quarantine keeps). Default: lines with the marker.
   */
  ownedOptions?: AuthorizedKeyOption[][];
  ownedLines?: string[];
  /**
   * The whole new line, written exactly (it must carry the key and have `options`): puts a
   * quarantined line back byte for byte, which a rewrite of the options alone cannot.
   */
  lineText?: string;
  /** Work out the edit and report it (with the lines as they are) without writing. */
  dryRun?: boolean;
}

export interface SetAuthorizedKeyOptionsResult {
  files: Omit<AuthorizedKeysFileEdit, 'text'>[];
  changed: number;
}

/** Rewrites the options of the lines carrying one managed key, and nothing else. */
export async function setAuthorizedKeyOptions(
  session: HostSession,
  params: SetAuthorizedKeyOptionsParams,
): Promise<SetAuthorizedKeyOptionsResult> {
  const owns = ownerOf(params);
  const edit = (text: string): AuthorizedKeysEdit =>
    params.lineText === undefined
      ? setOptionsInText(text, params.fingerprint, params.options, owns)
      : replaceAuthorizedKeyLine(text, params.fingerprint, params.lineText, owns);
  // A dry run reports the edit as unchanged, so the file is never written.
  const files = await editAccountKeyFiles(
    session,
    params,
    params.dryRun ? (text) => ({ ...edit(text), text, changed: false }) : edit,
  );
  return { files, changed: files.reduce((n, f) => n + f.lines.length, 0) };
}

function ownerOf(params: SetAuthorizedKeyOptionsParams): { owns?: OwnsLine } {
  if (!params.ownedOptions && !params.ownedLines) return {};
  const byOptions = ownsByOptions(params.ownedOptions ?? []);
  const lines = new Set(params.ownedLines ?? []);
  return { owns: (entry) => byOptions(entry) || lines.has(entry.raw) };
}

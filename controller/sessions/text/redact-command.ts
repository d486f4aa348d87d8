/**
 * A command line as it may be shown outside the session's own log (an alert, a
 * notification, a SIEM export): values that look like passwords, tokens or keys given on
 * the command line are replaced with "***", and the line is cut to a length.
 */

const SECRET_FLAGS = [
  // --password=x, --token x, --api-key=x, --secret x, -p'x' (mysql)
  /(--?(?:pass(?:word|wd)?|token|secret|api[-_]?key|access[-_]?key|auth)(?:=|\s+))("[^"]*"|'[^']*'|\S+)/gi,
  /(\s-p)("[^"]*"|'[^']*'|[^\s"']\S*)/g,
  // PASSWORD=x, MYSQL_PWD=x, AWS_SECRET_ACCESS_KEY=x, GITHUB_TOKEN=x
  /(\b[A-Z0-9_]*(?:PASS(?:WORD)?|PWD|TOKEN|SECRET|KEY)[A-Z0-9_]*=)("[^"]*"|'[^']*'|\S+)/gi,
  // Authorization: Bearer x
  /(\bauthorization:\s*(?:bearer|basic)\s+)(\S+)/gi,
];
// scheme://user:password@host
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)([^@\s]+)(@)/gi;

export function redactCommand(command: string, maxChars = 300): string {
  let line = command.replace(URL_CREDENTIALS, '$1***$3');
  for (const re of SECRET_FLAGS) line = line.replace(re, '$1***');
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

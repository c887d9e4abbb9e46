import { PortcullisError } from '../errors.ts';

/** One configuration problem, located in its file. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Key path inside the file, e.g. `apis.orders.upstream.url`; '' for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** Raised when a configuration cannot become a plan; carries every issue found. */
export class ConfigError extends PortcullisError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('config_invalid', `configuration has ${issues.length} error(s)`);
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : ` (at ${issue.path})`;
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}${where}`;
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** Joins a key path for display: `a.b[0].c`. */
export function displayPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

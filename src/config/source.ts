import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type ConfigIssue, displayPath } from './issues.ts';

export type KeyPath = readonly (string | number)[];

/** Aliases are allowed for convenience but bounded (billion-laughs). */
const MAX_ALIAS_COUNT = 100;

/**
 * A parsed YAML (or JSON) file that remembers where every value came from, so any later
 * check can point at a line and column.
 */
export class SourceFile {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(file: string, text: string, doc: Document, lines: LineCounter, value: unknown) {
    this.file = file;
    this.text = text;
    this.#doc = doc;
    this.#lines = lines;
    this.value = value;
  }

  /** Parses text; on syntax errors returns the issues instead of a source. */
  static parse(file: string, text: string): SourceFile | ConfigIssue[] {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      uniqueKeys: true,
      strict: true,
      prettyErrors: false,
    });
    if (doc.errors.length > 0) {
      return doc.errors.map((error) => {
        const pos = lines.linePos(error.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: firstLine(error.message) };
      });
    }
    try {
      return new SourceFile(file, text, doc, lines, doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (error) {
      return [{ file, line: 1, column: 1, path: '', message: firstLine(String((error as Error).message)) }];
    }
  }

  /** Reads and parses a file; a read failure becomes an issue at 1:1. */
  static read(path: string, displayName: string): SourceFile | ConfigIssue[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file not readable';
      return [{ file: displayName, line: 1, column: 1, path: '', message: reason }];
    }
    return SourceFile.parse(displayName, text);
  }

  /**
   * An issue located at `path`. With `atKey`, points at the key of the last segment
   * rather than its value (used for unknown keys). Falls back to the deepest existing
   * ancestor when the path does not exist in the file (e.g. a missing key).
   */
  issue(path: KeyPath, message: string, atKey = false): ConfigIssue {
    const offset = this.#offsetOf(path, atKey);
    const pos = this.#lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, path: displayPath(path), message };
  }

  #offsetOf(path: KeyPath, atKey: boolean): number {
    let node: Node | null | undefined = this.#doc.contents as Node | null;
    let offset = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
        if (pair === undefined) return offset;
        const key = pair.key as Node;
        if (last && atKey) return key.range?.[0] ?? offset;
        node = pair.value as Node | null;
        offset = node?.range?.[0] ?? key.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part] as Node | undefined;
        if (item === undefined) return offset;
        node = item;
        offset = item.range?.[0] ?? offset;
      } else {
        return offset;
      }
    }
    return offset;
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!;
}

import { type FSWatcher, watch } from 'node:fs';

/** Files whose change can alter the plan. */
const CONFIG_FILE = /\.(ya?ml|json|cedar)$/;
const DEBOUNCE_MS = 200;

/**
 * Calls `onChange` (debounced) when a configuration file under `dir` changes. Files in
 * `ignoreDirs` (relative, e.g. the embedded store's data folder) never trigger it.
 * Returns a function that stops watching.
 */
export function watchConfigDir(dir: string, ignoreDirs: readonly string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true, persistent: false }, (_event, file) => {
      if (file === null || !CONFIG_FILE.test(file)) return;
      if (ignoreDirs.some((d) => file === d || file.startsWith(`${d}/`))) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, DEBOUNCE_MS);
    });
  } catch {
    return () => {};
  }
  watcher.on('error', () => watcher?.close());
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

import type { Recorder } from './recorder.ts';

/**
 * One recorder that hands every outcome to each of `recorders` in turn. A recorder that
 * throws is reported through `onError` and never keeps the others from recording.
 */
export function combineRecorders(
  recorders: readonly Recorder[],
  onError: (error: unknown) => void,
): Recorder {
  if (recorders.length === 1) return recorders[0]!;
  return {
    request(ex) {
      for (const r of recorders) {
        try {
          r.request(ex);
        } catch (error) {
          onError(error);
        }
      }
    },
    listenerRejection(event) {
      for (const r of recorders) {
        try {
          r.listenerRejection(event);
        } catch (error) {
          onError(error);
        }
      }
    },
  };
}

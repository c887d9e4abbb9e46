import type { Recorder } from '../record/recorder.ts';
import type { UpstreamHealthTracker } from './health.ts';

const UPSTREAM_FAILURES = new Set(['upstream_timeout', 'upstream_unavailable']);

/**
 * Feeds the upstream health tracker with what the forwarder saw of every forwarded call:
 * a 5xx answer, a timeout or an unreachable upstream is a failure; the latency is the
 * forward stage's time. Calls the client abandoned before any answer say nothing.
 */
export function createHealthRecorder(tracker: UpstreamHealthTracker): Recorder {
  return {
    request(ex) {
      if (ex.route === undefined) return;
      const marks = ex.marks;
      const at = marks.lastIndexOf('forward');
      if (at === -1) return;
      const status = ex.upstreamStatus;
      let failed: boolean;
      if (status !== undefined) failed = status >= 500;
      else if (ex.denial !== undefined && UPSTREAM_FAILURES.has(ex.denial.code)) failed = true;
      else return;
      tracker.observe(ex.route.target.api, failed, performance.now() - (marks[at + 1] as number));
    },
    listenerRejection() {},
  };
}

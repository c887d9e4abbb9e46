import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../observe/logger.ts';
import type { Exchange } from '../exchange.ts';
import { type Denial, deny } from '../stage.ts';
import { ClamdScan, type ScanVerdict } from './clamd.ts';
import type { ScannerConfig } from './config.ts';

export interface ScannerDeps {
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

const UNAVAILABLE = deny(
  'scan_unavailable',
  'The content could not be scanned for malware; try again later.',
  {
    headers: { 'retry-after': '30' },
    reason: 'clamd gave no verdict; the contract fails closed',
  },
);

/**
 * Malware scanning with clamd, and what its verdicts mean for a request: infected is a
 * 422 and an audit event; no verdict (clamd down or too slow) alerts (error log + audit
 * event) and refuses with 503 unless the contract fails open.
 */
export class Scanner {
  readonly #config: ScannerConfig;
  readonly #deps: ScannerDeps;

  constructor(config: ScannerConfig, deps: ScannerDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  /** Starts a scan that receives the data as it arrives. */
  open(): ClamdScan {
    return new ClamdScan(this.#config.address, this.#config.timeoutMs);
  }

  /** Scans whole buffers (multipart file parts), each on its own. */
  scanAll(buffers: readonly Buffer[]): Promise<ScanVerdict[]> {
    return Promise.all(
      buffers.map((buffer) => {
        const scan = this.open();
        scan.write(buffer);
        return scan.finish();
      }),
    );
  }

  /** Turns verdicts into the request's fate, recording and alerting as needed. */
  judge(
    ex: Exchange,
    verdicts: readonly ScanVerdict[],
    failOpen: boolean,
    label: string,
  ): Denial | undefined {
    const infected = verdicts.find((v) => v.status === 'infected');
    if (infected !== undefined) {
      ex.scan = 'infected';
      this.#record(ex, 'content.malware_detected', { operation: label, signature: infected.signature });
      this.#deps.logger.warn(
        {
          decision_id: ex.id,
          partner: ex.identity?.partner,
          operation: label,
          signature: infected.signature,
        },
        'malware detected in a request body; refused',
      );
      return deny('malware_detected', 'The content was identified as malware and was not forwarded.', {
        reason: `clamd found ${infected.signature}`,
      });
    }
    const failed = verdicts.find((v) => v.status === 'failed');
    if (failed === undefined) {
      ex.scan = 'clean';
      return undefined;
    }
    ex.scan = 'unavailable';
    this.#record(ex, 'content.scan_unavailable', { operation: label, reason: failed.reason, failOpen });
    this.#deps.logger.error(
      {
        decision_id: ex.id,
        partner: ex.identity?.partner,
        operation: label,
        reason: failed.reason,
        fail_open: failOpen,
      },
      failOpen
        ? 'ALERT malware scanning unavailable; forwarding unscanned (contract fails open)'
        : 'ALERT malware scanning unavailable; refusing uploads',
    );
    return failOpen ? undefined : UNAVAILABLE;
  }

  #record(ex: Exchange, action: string, details: Record<string, string | boolean>): void {
    this.#deps.audit.append({
      v: 1,
      kind: 'decision',
      action,
      at: this.#deps.clock.now(),
      actor: ex.identity === undefined ? 'gateway' : `partner:${ex.identity.partner}`,
      partner: ex.identity?.partner,
      decisionId: ex.id,
      details: ex.contentDigest === undefined ? details : { ...details, contentDigest: ex.contentDigest },
    });
  }
}

import type { AuditEventV1, AuditStore } from '../../audit/event.ts';

export class MemoryAuditStore implements AuditStore {
  readonly #events: AuditEventV1[] = [];

  append(event: AuditEventV1): void {
    this.#events.push(event);
  }

  recent(limit: number): AuditEventV1[] {
    return this.#events.slice(-limit);
  }
}

import { type IdGenerator, RandomIdGenerator } from '@opentelemetry/sdk-trace';

/**
 * Span and trace ids for the SDK. The gateway chooses its request span's ids when the
 * request arrives (it sends the span id upstream as the parent), long before the span is
 * built after the response; `preset` hands those ids to the very next span the tracer
 * starts. Span creation is synchronous, so nothing can come in between. Every other span
 * gets random ids.
 */
export class PresetIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #traceId: string | undefined;
  #spanId: string | undefined;

  /** The ids of the next span started; call `clear` right after starting it. */
  preset(traceId: string, spanId: string): void {
    this.#traceId = traceId;
    this.#spanId = spanId;
  }

  /** Forgets what `preset` set and the tracer did not ask for (a span with a parent needs no trace id). */
  clear(): void {
    this.#traceId = undefined;
    this.#spanId = undefined;
  }

  generateTraceId(): string {
    const id = this.#traceId ?? this.#random.generateTraceId();
    this.#traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.#spanId ?? this.#random.generateSpanId();
    this.#spanId = undefined;
    return id;
  }
}

/**
 * In-process signals between the agent executor (which waits for results) and the
 * gateway (which holds streams): an assignment was written for a host, a result or a
 * loss arrived for an attempt. Other controllers learn the same facts by polling the store.
 */
import { EventEmitter } from 'node:events';

export type AttemptOutcome = { kind: 'result' } | { kind: 'lost'; reason: string };

export class AgentEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  assignmentWritten(hostId: string): void {
    this.emitter.emit('assignment', hostId);
  }

  onAssignment(listener: (hostId: string) => void): () => void {
    this.emitter.on('assignment', listener);
    return () => this.emitter.off('assignment', listener);
  }

  attemptSettled(jobId: string, attempt: number, outcome: AttemptOutcome): void {
    this.emitter.emit(`attempt:${jobId}:${attempt}`, outcome);
  }

  onAttempt(jobId: string, attempt: number, listener: (o: AttemptOutcome) => void): () => void {
    const name = `attempt:${jobId}:${attempt}`;
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}

/**
 * In-process signals between the agent executor (which waits for results) and the
 * gateway (which holds streams): an assignment was written for a host, a result or a
 * loss arrived for one operation of a job attempt. Other controllers learn the same facts by polling the store.
 */
import { EventEmitter } from 'node:events';
import type { OperationKey } from '../store/agent-records';

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

  operationSettled(k: OperationKey, outcome: AttemptOutcome): void {
    this.emitter.emit(eventName(k), outcome);
  }

  onOperation(k: OperationKey, listener: (o: AttemptOutcome) => void): () => void {
    const name = eventName(k);
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}

const eventName = (k: OperationKey) => `operation:${k.jobId}:${k.attempt}:${k.step}`;

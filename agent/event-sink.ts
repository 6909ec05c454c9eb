/**
 * Where lifecycle events go: the node's events topic (Kubernetes reasons and messages).
 * Emitting never blocks and never fails; an event is news, the pod status is the record.
 */
export interface LifecycleEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly pod?: string;
  readonly container?: string;
}

export interface EventSink {
  emit(event: LifecycleEvent): void;
}

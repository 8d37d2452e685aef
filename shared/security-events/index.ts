export { SecurityEventRecorder } from './recorder.ts';
export type { SecurityEventSink } from './recorder.ts';
export { logSink, toLogFields } from './log-sink.ts';
export { OUTCOME_OF } from './security-event.ts';
export type {
  RecordedEvent,
  RemovalActor,
  RequestOrigin,
  SecurityEvent,
  SecurityEventName,
  SecurityOutcome,
  StepUpOperation,
} from './security-event.ts';

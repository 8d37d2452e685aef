export { SecurityEventRecorder } from './recorder.ts';
export type { SecurityEventSink } from './recorder.ts';
export { logSink, toLogFields } from './log-sink.ts';
export { BACKUPCODE, OUTCOME_OF, methodOf } from './security-event.ts';
export type {
  DenialReason,
  RecordedEvent,
  RemovalActor,
  RequestOrigin,
  SecurityEvent,
  SecurityEventName,
  SecurityOutcome,
  StepUpOperation,
} from './security-event.ts';
export { enrollmentTransitionEvent, recordEnrollmentTransition } from './enrollment-transition.ts';
export type { EnrollmentTransition, TransitionSubject } from './enrollment-transition.ts';

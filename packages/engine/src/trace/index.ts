export { TraceRecorder, TRACE_EVENT_LIMIT } from './recorder.js';
export { chromeTrace, serializeTrace, type ChromeTrace, type ChromeTraceEvent } from './chrome.js';
export type { RecordedTrace, StaleSample, TraceStep } from './types.js';

// Helpers for plug-in and linux-mm tests (`@shootdown/linux-mm/testing`); nothing here runs in a policy.
export * from './mmap-request.js';

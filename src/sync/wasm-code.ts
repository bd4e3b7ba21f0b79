// V8 frees WebAssembly machine code that tier-up replaced ("wasm code GC"). The collection is
// engine-wide: every isolate of the process — the main thread and each worker thread — reports
// the code it still uses, and the code nobody uses is freed from whichever thread drops the last
// reference. With threads started and ended while others run wasm, this crashes the whole process
// now and then in Node 24 (V8 13.6): "Fatal error … Check failed: jit_page.has_value()" or a
// SIGSEGV inside NativeModule::FreeCode. Our wasm is undici's HTTP parser (llhttp), which every
// fetch uses — the HubSpot client, jsforce, the journal poller — so each sync thread runs it.
// Measured on test/http/sync-worker.test.ts: 2 of 40 runs crashed with the collection on, none
// of 89 with it off (docs/architecture.md §4, "A process that keeps its wasm code").
// Turning the collection off keeps code that tier-up replaced until its module is dropped: for
// llhttp about 90 KiB per process (V8 traced 93,504 bytes), not per run (compiled modules are shared
// between threads).

import v8 from 'node:v8';

/**
 * Turns V8's wasm code GC off for the process; called before each worker thread starts (setting
 * the flag again is a no-op).
 */
export function keepWasmCode(): void {
  v8.setFlagsFromString('--no-wasm-code-gc');
}

#!/usr/bin/env -S node --max-semi-space-size=64
// Committed entry point (the compiled dist/ appears only after set-up, and npm
// links bins at install time, so the link must point at a file that exists).
// --max-semi-space-size: the ingest allocates a short-lived object or two per
// connection half (hundreds of thousands a second); with V8's default 16 MB
// semi-spaces the young-generation collections took a third of its time
// (bench/ingest runs with the same flag). V8 grows the young generation only
// under such load, so a quiet agent keeps its small heap. Must be given at
// start-up (v8.setFlagsFromString is too late), hence here (`env -S`, GNU).
import '../dist/main.js';

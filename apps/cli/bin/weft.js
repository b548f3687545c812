#!/usr/bin/env node
// Committed entry point (the compiled dist/ appears only after set-up, and npm
// links bins at install time, so the link must point at a file that exists).
import '../dist/main.js';

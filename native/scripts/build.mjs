#!/usr/bin/env node
// Builds build/Release/weft_native.node, incrementally. npm never runs this
// at install (package.json has a no-op "install"), because the addon embeds
// the BPF skeleton that `make -C bpf` generates first.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skeleton = path.resolve(pkgDir, '../bpf/build/weft.skel.h');
// The headers of the running node (/usr/include/node here), so node-gyp
// never downloads any.
const nodedir = path.dirname(path.dirname(process.execPath));

function fail(message, output = '') {
  if (output) process.stderr.write(output);
  console.error(`@weft/native: ${message}`);
  process.exit(1);
}

if (!existsSync(skeleton)) {
  fail(`${path.relative(process.cwd(), skeleton) || skeleton} is missing: run make -C bpf first`);
}
if (!existsSync(path.join(nodedir, 'include/node/node_api.h'))) {
  fail(`no Node headers in ${nodedir}/include/node (install the package that ships them, e.g. libnode-dev)`);
}

const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');

function nodeGypRun(args) {
  const result = spawnSync(process.execPath, [nodeGyp, ...args, `--nodedir=${nodedir}`], {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) fail(`node-gyp ${args[0]} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`node-gyp ${args[0]} failed (exit ${result.status})`, output);
}

const makefile = path.join(pkgDir, 'build/Makefile');
const gypFile = path.join(pkgDir, 'binding.gyp');
const configured = existsSync(makefile) && statSync(makefile).mtimeMs >= statSync(gypFile).mtimeMs;

console.log(`@weft/native: ${configured ? '' : 'configuring and '}building weft_native.node (headers: ${nodedir}/include/node)`);
if (!configured) nodeGypRun(['configure']);
nodeGypRun(['build', '--jobs=max']);

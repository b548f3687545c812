// @weft/native: thin JS face of weft_native.node. Arguments are validated
// here (the C++ side assumes well-formed input), results are passed through.
import { createRequire } from 'node:module';

import { BpfError, errnoName } from './errors.js';

const require = createRequire(import.meta.url);

function loadBinding() {
  try {
    return require('../build/Release/weft_native.node');
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      '@weft/native: build/Release/weft_native.node is missing: run `make -C bpf && npm run build -w @weft/native`',
      { cause: error },
    );
  }
}

const binding = loadBinding();
binding.setup({ BpfError });

export { BpfError, errnoName };

function deepFreeze(object) {
  for (const value of Object.values(object)) {
    if (typeof value === 'object' && value !== null) deepFreeze(value);
  }
  return Object.freeze(object);
}

/**
 * The addon's objects are made property by property, which leaves V8 holding
 * the larger ones as dictionaries: every read of an offset is then a hash
 * lookup, and the decoders read several per record. Parsed JSON is plain
 * objects with fast properties.
 */
function fastCopy(object) {
  return JSON.parse(JSON.stringify(object));
}

/** Offsets and sizes of the records in bpf/weft.h, computed by the compiler. */
export const layout = deepFreeze(fastCopy(binding.layout));
/** Limits options are checked against (page size, netns filter size, defaults). */
export const constants = deepFreeze(binding.constants);

const TRAFFIC_PATHS = new Set(['counters', 'tracepoint', 'fentry', 'kprobe']);
const SOCKET_WALKS = new Set(['map_elem', 'task']);
const U32_MAX = 0xffffffff;

function isU32(value) {
  return Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

function validateTracerOptions(options) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('SocketTracer: options must be an object');
  }
  const { trafficPath, socketWalk = 'map_elem', maxSockets, ringBufferBytes, netnsInodes } = options;
  if (!TRAFFIC_PATHS.has(trafficPath)) {
    throw new TypeError(`SocketTracer: trafficPath must be one of ${[...TRAFFIC_PATHS].join(', ')}`);
  }
  if (!SOCKET_WALKS.has(socketWalk)) {
    throw new TypeError(`SocketTracer: socketWalk must be one of ${[...SOCKET_WALKS].join(', ')}`);
  }
  if (!isU32(maxSockets) || maxSockets < 1) {
    throw new RangeError('SocketTracer: maxSockets must be an integer in 1..2^32-1');
  }
  if (
    !isU32(ringBufferBytes) ||
    ringBufferBytes < constants.pageSize ||
    (ringBufferBytes & (ringBufferBytes - 1)) !== 0
  ) {
    throw new RangeError(
      `SocketTracer: ringBufferBytes must be a power of two >= the page size (${constants.pageSize})`,
    );
  }
  if (netnsInodes !== null) {
    if (!Array.isArray(netnsInodes) || !netnsInodes.every(isU32)) {
      throw new TypeError('SocketTracer: netnsInodes must be null or an array of namespace inode numbers');
    }
    if (new Set(netnsInodes).size > constants.maxNetnsFilter) {
      throw new RangeError(`SocketTracer: at most ${constants.maxNetnsFilter} netnsInodes`);
    }
  }
  const { l7 = false, l7RingBufferBytes = constants.defaultRingBufferBytes } = options;
  if (typeof l7 !== 'boolean') throw new TypeError('SocketTracer: l7 must be a boolean');
  if (!isU32(l7RingBufferBytes) || l7RingBufferBytes < constants.pageSize || (l7RingBufferBytes & (l7RingBufferBytes - 1)) !== 0) {
    throw new RangeError(`SocketTracer: l7RingBufferBytes must be a power of two >= the page size (${constants.pageSize})`);
  }
  const { l7Ports = null, l7Processes = null } = options;
  if (l7Ports !== null && (!Array.isArray(l7Ports) || l7Ports.length === 0 || l7Ports.length > constants.maxL7Filter || !l7Ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535))) {
    throw new RangeError(`SocketTracer: l7Ports must be null or 1..${constants.maxL7Filter} ports (1-65535)`);
  }
  if (l7Processes !== null && (!Array.isArray(l7Processes) || l7Processes.length === 0 || l7Processes.length > constants.maxL7Filter || !l7Processes.every((n) => typeof n === 'string' && n.length >= 1 && Buffer.byteLength(n) <= 15))) {
    throw new RangeError(`SocketTracer: l7Processes must be null or 1..${constants.maxL7Filter} process names of 1-15 bytes (the kernel's comm)`);
  }
  const { l7Tls = false } = options;
  if (typeof l7Tls !== 'boolean') throw new TypeError('SocketTracer: l7Tls must be a boolean');
  const { l7RingBatch = true } = options;
  if (typeof l7RingBatch !== 'boolean') throw new TypeError('SocketTracer: l7RingBatch must be a boolean');
  const { l7Http1Kernel = false } = options;
  if (typeof l7Http1Kernel !== 'boolean') throw new TypeError('SocketTracer: l7Http1Kernel must be a boolean');
  const { refusePrograms = [] } = options;
  if (!Array.isArray(refusePrograms) || !refusePrograms.every((name) => typeof name === 'string' && name !== '')) {
    throw new TypeError('SocketTracer: refusePrograms must be an array of BPF program names');
  }
  return {
    trafficPath,
    socketWalk,
    maxSockets,
    ringBufferBytes,
    netnsInodes: netnsInodes === null ? null : [...new Set(netnsInodes)],
    refusePrograms,
    l7,
    l7Tls: l7 && l7Tls,
    l7RingBufferBytes,
    l7RingBatch: l7 && l7RingBatch,
    l7Http1Kernel: l7 && l7Http1Kernel,
    l7Ports: l7Ports === null ? null : [...new Set(l7Ports)],
    l7Processes: l7Processes === null ? null : [...new Set(l7Processes)],
  };
}

function validateCallback(callback) {
  if (typeof callback !== 'function') throw new TypeError('onEvents: callback must be a function');
}

/**
 * Loads each BPF program of Weft alone, then attaches it, and returns what the
 * kernel answered for each: [{ name, section, load, attach? }], where load and
 * attach are { ok: true } or { ok: false, code, errno, message, log }. Never
 * throws for a kernel refusal.
 */
export function probePrograms() {
  return binding.probePrograms().map((result) => ({
    name: result.name,
    section: result.section,
    load: outcome(result.load),
    ...(result.attach ? { attach: outcome(result.attach) } : {}),
  }));
}

function outcome(raw) {
  if (raw.ok) return { ok: true };
  return { ok: false, code: errnoName(raw.errno), errno: raw.errno, message: raw.message, log: raw.log };
}

export class SocketTracer {
  #native;

  constructor(options) {
    this.#native = new binding.SocketTracer(validateTracerOptions(options));
  }

  get batchLookup() {
    return this.#native.batchLookup;
  }

  readSockets() {
    return this.#native.readSockets();
  }

  refreshSockets() {
    return this.#native.refreshSockets();
  }

  findOwners() {
    return this.#native.findOwners();
  }

  adoptSockets() {
    return this.#native.adoptSockets();
  }

  drainEvents() {
    return this.#native.drainEvents();
  }

  onEvents(callback) {
    validateCallback(callback);
    this.#native.onEvents(callback);
  }

  drainL7Calls() {
    return this.#native.drainL7Calls();
  }

  drainL7Aggregates() {
    return this.#native.drainL7Aggregates();
  }

  onL7Calls(callback) {
    validateCallback(callback);
    this.#native.onL7Calls(callback);
  }

  attachTlsLibrary(path) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError('attachTlsLibrary: path must be an absolute path to a libssl file');
    }
    return this.#native.attachTlsLibrary(path);
  }

  get l7PendingDrops() {
    return this.#native.l7PendingDrops;
  }

  readCounters() {
    return this.#native.readCounters();
  }

  mapIds() {
    return this.#native.mapIds();
  }

  close() {
    this.#native.close();
  }
}

const DEFAULT_CONNTRACK_RCVBUF = 8 * 1024 * 1024;

function validateConntrackOptions(options = {}) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('ConntrackWatcher: options must be an object');
  }
  const { updates = false, receiveBufferBytes = DEFAULT_CONNTRACK_RCVBUF, netnsPath } = options;
  if (typeof updates !== 'boolean') throw new TypeError('ConntrackWatcher: updates must be a boolean');
  if (!Number.isInteger(receiveBufferBytes) || receiveBufferBytes < 0 || receiveBufferBytes > 0x7fffffff) {
    throw new RangeError('ConntrackWatcher: receiveBufferBytes must be an integer in 0..2^31-1 (0: system default)');
  }
  if (netnsPath !== undefined && (typeof netnsPath !== 'string' || !netnsPath.startsWith('/'))) {
    throw new TypeError('ConntrackWatcher: netnsPath must be an absolute path (/run/netns/NAME, /proc/PID/ns/net)');
  }
  return netnsPath === undefined ? { updates, receiveBufferBytes } : { updates, receiveBufferBytes, netnsPath };
}

export class ConntrackWatcher {
  #native;

  constructor(options) {
    this.#native = new binding.ConntrackWatcher(validateConntrackOptions(options));
  }

  dump() {
    return this.#native.dump();
  }

  onEvents(callback) {
    validateCallback(callback);
    this.#native.onEvents(callback);
  }

  drain() {
    return this.#native.drain();
  }

  get overflows() {
    return this.#native.overflows;
  }

  close() {
    this.#native.close();
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { machine, release } from 'node:os';
import { BpfError, ConntrackWatcher, SocketTracer, probePrograms, type ProbeOutcome } from '@weft/native';
import { missingCapabilities, parseEffectiveCapabilities } from '../privileges/capabilities.js';
import { PATH_ATTEMPTS } from '../probes/trafficPaths.js';
import type { DoctorFindings, PathTrial } from './doctorFindings.js';

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** "none [integrity] confidentiality" -> "integrity". */
function activeLockdown(text: string | null): string | null {
  if (text === null) return null;
  return /\[([a-z]+)\]/.exec(text)?.[1] ?? text;
}

function conntrackAccess(): ProbeOutcome {
  try {
    new ConntrackWatcher().close();
    return { ok: true };
  } catch (err) {
    if (!(err instanceof BpfError)) throw err;
    return { ok: false, code: err.code, errno: err.errno, message: err.message, log: '' };
  }
}

/** Measures, by loading and attaching, everything doctorReport prints. Needs the agent's privileges to say much. */
export function probeKernel(): DoctorFindings {
  const btf = existsSync('/sys/kernel/btf/vmlinux');
  let batchLookup: boolean | null = null;
  const paths: PathTrial[] = PATH_ATTEMPTS.map((attempt) => {
    try {
      const tracer = new SocketTracer({
        trafficPath: attempt.path,
        socketWalk: attempt.socketWalk,
        maxSockets: 64,
        ringBufferBytes: 1 << 16,
        netnsInodes: null,
      });
      batchLookup ??= tracer.batchLookup;
      tracer.close();
      return { label: attempt.label, ok: true };
    } catch (err) {
      if (!(err instanceof BpfError)) throw err;
      return { label: attempt.label, ok: false, failure: { op: err.op, program: err.program ?? null, code: err.code, message: err.message } };
    }
  });
  return {
    kernelRelease: release(),
    machine: machine(),
    lockdown: activeLockdown(readOptional('/sys/kernel/security/lockdown')),
    lsms: readOptional('/sys/kernel/security/lsm'),
    btf,
    missingCapabilities: missingCapabilities(parseEffectiveCapabilities(readFileSync('/proc/self/status', 'utf8'))),
    programs: btf ? probePrograms() : [],
    paths,
    batchLookup,
    conntrack: conntrackAccess(),
  };
}

import type { ProbeOutcome, ProgramProbe } from '@weft/native';

/** How one traffic path fared when all its programs were loaded and attached together. */
export interface PathTrial {
  label: string;
  ok: boolean;
  /** When it did not work: the step, the program refused and why. */
  failure?: { op: string; program: string | null; code: string; message: string };
}

/** What `weft doctor` measured on this machine; doctorReport turns it into text. */
export interface DoctorFindings {
  kernelRelease: string;
  machine: string;
  /** /sys/kernel/security/lockdown's active mode ("none", "integrity", ...), null when unreadable. */
  lockdown: string | null;
  /** /sys/kernel/security/lsm, null when unreadable. */
  lsms: string | null;
  btf: boolean;
  missingCapabilities: string[];
  /** Each of Weft's programs loaded (then attached) alone. */
  programs: ProgramProbe[];
  /** Each traffic path, best first. */
  paths: PathTrial[];
  /** Batch reads of the socket map (BPF_MAP_LOOKUP_BATCH), from the first path that loaded. */
  batchLookup: boolean | null;
  conntrack: ProbeOutcome;
}

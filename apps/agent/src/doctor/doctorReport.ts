import type { ProbeOutcome } from '@weft/native';
import type { DoctorFindings } from './doctorFindings.js';

export interface DoctorReport {
  text: string;
  /** False when the agent could not run here: the command exits non-zero. */
  agentCanRun: boolean;
}

function outcomeText(outcome: ProbeOutcome): string {
  if (outcome.ok) return 'ok';
  return `${outcome.code}${outcome.log ? ` (${outcome.log})` : ` (${outcome.message})`}`;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

/**
 * The text a user pastes into a bug report: what this kernel allows of what
 * Weft uses, measured by loading, and whether (and how) the agent would run.
 */
export function doctorReport(findings: DoctorFindings): DoctorReport {
  const chosen = findings.paths.find((path) => path.ok) ?? null;
  const problems: string[] = [];
  if (!findings.btf) problems.push('the kernel has no BTF (/sys/kernel/btf/vmlinux): build it with CONFIG_DEBUG_INFO_BTF=y');
  if (findings.missingCapabilities.length > 0) {
    problems.push(`missing capabilities ${findings.missingCapabilities.join(', ')}: run as root or grant CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN`);
  }
  if (chosen === null) problems.push('no traffic path loads on this kernel (see above)');

  const lines: string[] = [
    `weft doctor: Linux ${findings.kernelRelease} (${findings.machine})`,
    ...columns([
      ['BTF', findings.btf ? 'present (/sys/kernel/btf/vmlinux)' : 'MISSING'],
      ['lockdown', findings.lockdown ?? 'unknown (securityfs not readable)'],
      ['LSMs', findings.lsms ?? 'unknown (securityfs not readable)'],
      ['capabilities', findings.missingCapabilities.length === 0 ? 'CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN held' : `MISSING ${findings.missingCapabilities.join(', ')}`],
      ['conntrack', findings.conntrack.ok ? 'readable (NAT is undone)' : `refused: ${outcomeText(findings.conntrack)} (rows keep the dialled address)`],
      ['batch map reads', findings.batchLookup === null ? 'unknown (no path loaded)' : findings.batchLookup ? 'yes' : 'no (read key by key)'],
    ]),
    '',
    'Program types (each Weft program loaded, then attached, alone):',
    ...columns(
      findings.programs.map((program) => [
        program.section,
        program.name,
        !program.load.ok
          ? `REFUSED at load: ${outcomeText(program.load)}`
          : program.attach && !program.attach.ok
            ? `loads; REFUSED at attach: ${outcomeText(program.attach)}`
            : 'loads, attaches',
      ]),
    ),
    '',
    'Traffic paths (best first; each path\'s programs loaded and attached together):',
    ...columns(
      findings.paths.map((path) => [
        path.label,
        path.ok
          ? `works${path === chosen ? '  <- the agent uses this one' : ''}`
          : `REFUSED: ${path.failure ? `${path.failure.op}${path.failure.program ? ` of ${path.failure.program}` : ''} failed (${path.failure.code})` : 'failed'}`,
      ]),
    ),
    '',
  ];
  if (problems.length === 0 && chosen !== null) {
    lines.push(`Result: the agent can run here, on the ${chosen.label} path.`);
  } else {
    lines.push('Result: the agent cannot run here:', ...problems.map((problem) => `  - ${problem}`));
  }
  return { text: `${lines.join('\n')}\n`, agentCanRun: problems.length === 0 };
}

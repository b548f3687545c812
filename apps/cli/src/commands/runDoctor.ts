import { doctorReport, probeKernel } from '@weft/agent';

/** Prints the report; the exit code says whether the agent could run. */
export function runDoctor(): number {
  const report = doctorReport(probeKernel());
  process.stdout.write(report.text);
  return report.agentCanRun ? 0 : 1;
}

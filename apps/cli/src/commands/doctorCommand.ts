import { Command } from 'commander';

/** `weft doctor`: what this kernel allows of what the agent uses, for a bug report. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check this kernel: each BPF program type and traffic path Weft uses, loaded for real; BTF, capabilities, conntrack')
    .addHelpText('after', '\nExits 1 when the agent could not run here. Run it as the agent would run (root, or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN).')
    .action(async () => {
      const { runDoctor } = await import('./runDoctor.js');
      process.exitCode = runDoctor();
    });
}

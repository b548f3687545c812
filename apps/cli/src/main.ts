import { Command } from 'commander';
import { agentCommand } from './commands/agentCommand.js';

const program = new Command('weft')
  .description('Weft: a live service-dependency map built from the kernel up')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`weft: ${text.replace(/^error: /, '')}`) });

program.addCommand(agentCommand());

await program.parseAsync(process.argv);

import { Command } from 'commander';
import { agentCommand } from './commands/agentCommand.js';
import { upCommand } from './commands/upCommand.js';
import { webCommand } from './commands/webCommand.js';
import { ingestCommand } from './commands/ingestCommand.js';
import { apiCommand } from './commands/apiCommand.js';
import { doctorCommand } from './commands/doctorCommand.js';
import { demoCommand } from './commands/demoCommand.js';

const program = new Command('weft')
  .description('Weft: a live service-dependency map built from the kernel up')
  .configureOutput({ outputError: (text, write) => write(`weft: ${text.replace(/^error: /, '')}`) });

// Subcommands made with `new Command` copy the parent's settings only when asked.
for (const command of [upCommand(), agentCommand(), ingestCommand(), apiCommand(), doctorCommand(), demoCommand(), webCommand()]) {
  program.addCommand(command.copyInheritedSettings(program));
}

await program.parseAsync(process.argv);

import { Command } from 'commander';
import type { WebOptions } from './commandOptions.js';

export function webCommand(): Command {
  return new Command('web')
    .description('the web map, in the scaled-out shape: serves the web app and forwards /api/ to a Weft API (`weft api`), on one origin')
    .requiredOption('--api <url>', 'the Weft API to forward /api/ to (http://host:8080)', process.env.WEFT_API_URL)
    .option('--web-addr <host:port>', 'where the web map listens', process.env.WEFT_WEB_ADDR ?? '127.0.0.1:3000')
    .option('--web-dir <dir>', "the web app (a static export; default: this checkout's apps/web/out, built by scripts/setup.sh)", process.env.WEFT_WEB_DIR)
    .action(async (options: WebOptions) => {
      // Loaded only now: express and the proxy stay out of other commands and of --help.
      const { runWeb } = await import('./runWeb.js');
      await runWeb(options);
    });
}

/**
 * The name of the program a process runs, for naming it on a plain host:
 * the same name for both ends of a process (the server side and the client
 * side of a service that serves and calls out are one map node), and for
 * every process of that program on that host (their instances differ by
 * pid and node, which are failure domains, not names).
 *
 * The rule, in order (deterministic, from the agent's comm and cmdline only):
 *
 *  1. Weft's own processes: a cmdline that runs the weft CLI (its entry
 *     `bin/weft.js` or `cli/dist/main.js`, or a `weft` executable or link,
 *     e.g. `node_modules/.bin/weft`) is `weft-<subcommand>`: `weft-up`,
 *     `weft-api`, `weft-ingest`, `weft-agent`; `weft` without one.
 *  2. A generic runtime (the cmdline's first word is node, nodejs, bun,
 *     deno, python*, pypy*, ruby, perl, php, java, dotnet): the program it
 *     runs. A script is its file name without directory and extension
 *     (`node /srv/app.js` -> `app`, `python3 /usr/local/bin/gunicorn ...`
 *     -> `gunicorn`); a script called index or main is named by its nearest
 *     directory that is not dist, build, lib, src, bin or out
 *     (`node /srv/checkout/dist/index.js` -> `checkout`). `python3 -m
 *     http.server` -> `http.server`; `java -jar orders.jar` -> `orders`;
 *     `java [options] com.example.Main` -> `com.example.Main`. Inline code
 *     (`node -e`, `python3 -c`) or no program found: the comm.
 *  3. Anything else: the process name (comm), as the kernel has it. Not the
 *     cmdline's first word: servers such as nginx and postgres rewrite their
 *     cmdline (`nginx: worker process`).
 *
 * Why the cmdline for runtimes: their comm is the runtime's (`node`,
 * `python3`), so every Node program on a host would be one service; and a
 * Java process's comm is the name of whichever thread used the socket.
 * The cmdline is the agent's, its arguments joined by spaces (an argument
 * holding a space is read as two).
 */

const RUNTIME = /^(node|nodejs|bun|deno|python[0-9.]*|pypy[0-9.]*|ruby[0-9.]*|perl[0-9.]*|php[0-9.]*|java|dotnet)$/;

/** Options of each runtime that take the next word as their value (when not given as `--opt=value`). */
const NODE_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--input-type', '--title', '--env-file', '--inspect-port']);
const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '-Q']);
const JAVA_VALUE_OPTIONS = new Set(['-cp', '-classpath', '--class-path', '-p', '--module-path', '--upgrade-module-path', '--add-modules', '--add-opens', '--add-exports', '--add-reads', '--patch-module', '--limit-modules']);
/** Options after which there is no program file: the code is on the command line. */
const INLINE_CODE_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '-c']);

const SCRIPT_EXTENSION = /\.(m?[jt]sx?|c[jt]s|pyc?|pyz|rb|pl|php|jar|dll)$/;
const GENERIC_SCRIPT = new Set(['index', 'main', '__main__']);
const BUILD_DIRECTORY = new Set(['dist', 'build', 'lib', 'src', 'bin', 'out']);

function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/** A script's name: its file name without extension; index/main by their directory. */
function scriptName(path: string): string {
  const parts = path.split('/').filter((part) => part.length > 0 && part !== '.');
  const file = (parts.pop() ?? path).replace(SCRIPT_EXTENSION, '');
  if (!GENERIC_SCRIPT.has(file)) return file;
  for (let i = parts.length - 1; i >= 0; i--) {
    const dir = parts[i] as string;
    if (dir !== '..' && !BUILD_DIRECTORY.has(dir)) return dir;
  }
  return file;
}

/** The weft CLI's entry: bin/weft.js, cli/dist/main.js, or an executable (or npm link) called weft. */
function isWeftEntry(path: string): boolean {
  const base = baseName(path);
  return base === 'weft' || (base === 'weft.js' && path.endsWith('bin/weft.js')) || path.endsWith('cli/dist/main.js');
}

function weftName(args: readonly string[]): string {
  const command = args.find((arg) => !arg.startsWith('-'));
  return command !== undefined && /^[a-z][a-z0-9-]*$/.test(command) ? `weft-${command}` : 'weft';
}

/** The program word after the runtime's options, and what follows it; null when the code is inline or absent. */
function programOf(runtime: string, args: readonly string[]): { program: string; kind: 'script' | 'module' | 'jar' | 'class'; rest: readonly string[] } | null {
  const python = runtime.startsWith('python') || runtime.startsWith('pypy');
  const java = runtime === 'java';
  const valueOptions = java ? JAVA_VALUE_OPTIONS : python ? PYTHON_VALUE_OPTIONS : NODE_VALUE_OPTIONS;
  let i = 0;
  // deno and bun take a subcommand before the script (`deno run app.ts`).
  if ((runtime === 'deno' || runtime === 'bun') && args[0] === 'run') i = 1;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (arg === '--') return next === undefined ? null : { program: next, kind: 'script', rest: args.slice(i + 2) };
    if (!arg.startsWith('-') || arg === '-') {
      if (arg === '-') return null; // the program on stdin
      return { program: arg, kind: java ? 'class' : 'script', rest: args.slice(i + 1) };
    }
    if (!java && INLINE_CODE_OPTIONS.has(arg)) return null;
    if (python && arg === '-m') return next === undefined ? null : { program: next, kind: 'module', rest: args.slice(i + 2) };
    if (java && arg === '-jar') return next === undefined ? null : { program: next, kind: 'jar', rest: args.slice(i + 2) };
    if (java && (arg === '-m' || arg === '--module')) {
      if (next === undefined) return null;
      const slash = next.indexOf('/');
      return { program: slash >= 0 ? next.slice(slash + 1) : next, kind: 'class', rest: args.slice(i + 2) };
    }
    if (valueOptions.has(arg)) i++;
  }
  return null;
}

/** See the module comment: the program's name, never empty when comm is not. */
export function programName(comm: string, cmdline: string | null): string {
  const words = cmdline === null ? [] : cmdline.trim().split(/\s+/).filter((word) => word.length > 0);
  const first = words[0];
  if (first === undefined) return comm;
  if (isWeftEntry(first)) return weftName(words.slice(1));
  const runtime = baseName(first);
  if (!RUNTIME.test(runtime)) return comm;
  const found = programOf(runtime, words.slice(1));
  if (found === null) return comm;
  if (found.kind === 'module' || found.kind === 'class') return found.program || comm;
  if (found.kind === 'script' && isWeftEntry(found.program)) return weftName(found.rest);
  return scriptName(found.program) || comm;
}

import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { librariesIn, LibsslScanner, type LibsslScannerOptions } from './libsslScanner.js';

const root = mkdtempSync(join(tmpdir(), 'weft-libssl-'));
after(() => rmSync(root, { recursive: true, force: true }));

const line = (path: string): string => `7f0000000000-7f0000001000 r-xp 00000000 08:01 1234   ${path}`;

/** A fake /proc/PID: its comm, its mappings, its netns file and its root with the libraries it maps. */
function proc(procRoot: string, pid: number, comm: string, libraries: string[], extraMaps: string[] = []): void {
  const dir = join(procRoot, String(pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  writeFileSync(join(dir, 'comm'), `${comm}\n`);
  writeFileSync(join(dir, 'ns', 'net'), '');
  writeFileSync(join(dir, 'maps'), [...libraries, ...extraMaps].map(line).join('\n'));
  for (const library of libraries) {
    mkdirSync(join(dir, 'root', library, '..'), { recursive: true });
    writeFileSync(join(dir, 'root', library), `ELF of ${library} in ${pid}`);
  }
}

function scanner(procRoot: string, options: Partial<LibsslScannerOptions> = {}): { scanner: LibsslScanner; attached: string[]; warnings: string[] } {
  const attached: string[] = [];
  const warnings: string[] = [];
  const attacher = {
    attachTlsLibrary(path: string): number {
      if (path.includes('broken')) throw new Error('attaching to SSL_write failed: Operation not permitted');
      attached.push(path.slice(procRoot.length));
      return 4;
    },
  };
  const s = new LibsslScanner(attacher, { procRoot, processNames: null, netnsInodes: null, maxLibraries: 8, mapsPerScan: 100, ...options }, { info: () => {}, warn: (m) => warnings.push(m) });
  return { scanner: s, attached, warnings };
}

describe('librariesIn', () => {
  it('finds libssl.so.3 and .so.1.1 once each, not libcrypto, libssl3 (NSS) or a deleted file', () => {
    const maps = [
      '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/opt/old/libssl.so.1.1',
      '/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/usr/lib/x86_64-linux-gnu/libssl3.so', '/usr/lib/libssl.so.3 (deleted)',
    ].map(line).join('\n');
    assert.deepEqual(librariesIn(`${maps}\n7f00-7f01 rw-p 00000000 00:00 0 \n`), ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/opt/old/libssl.so.1.1']);
  });
});

describe('LibsslScanner', () => {
  it('attaches each library file once, through the process\'s root, and processes started later when their turn comes', () => {
    const procRoot = mkdtempSync(join(root, 'proc-'));
    proc(procRoot, 10, 'nginx', ['/usr/lib/libssl.so.3']);
    proc(procRoot, 11, 'nginx', ['/usr/lib/libssl.so.3']);
    const { scanner: s, attached } = scanner(procRoot, { mapsPerScan: 1 });
    s.scan(1000);
    // Two processes' roots are two files here (two containers); one process per file would do on a host.
    assert.deepEqual(attached, ['/10/root/usr/lib/libssl.so.3', '/11/root/usr/lib/libssl.so.3']);
    proc(procRoot, 12, 'curl', ['/usr/lib/libssl.so.3', '/opt/libssl.so.1.1']);
    s.scan();
    assert.deepEqual(attached.slice(2), ['/12/root/usr/lib/libssl.so.3', '/12/root/opt/libssl.so.1.1']);
    s.scan();
    assert.equal(attached.length, 4, 'nothing attached twice');
    assert.equal(s.current().libraries, 4);
  });

  it('the same file mapped by many processes is attached once (by device and inode)', () => {
    const procRoot = mkdtempSync(join(root, 'proc-'));
    proc(procRoot, 20, 'python3', ['/usr/lib/libssl.so.3']);
    mkdirSync(join(procRoot, '21', 'ns'), { recursive: true });
    writeFileSync(join(procRoot, '21', 'comm'), 'curl\n');
    writeFileSync(join(procRoot, '21', 'ns', 'net'), '');
    writeFileSync(join(procRoot, '21', 'maps'), line('/usr/lib/libssl.so.3'));
    // 21's root is 20's: one file.
    mkdirSync(join(procRoot, '21', 'root', 'usr'), { recursive: true });
    symlinkSync(join(procRoot, '20', 'root', 'usr', 'lib'), join(procRoot, '21', 'root', 'usr', 'lib'));
    const { scanner: s, attached } = scanner(procRoot);
    s.scan();
    assert.deepEqual(attached, ['/20/root/usr/lib/libssl.so.3']);
  });

  it('keeps to --l7-processes and the netns filter, counts a failed attach once and tries it no more', () => {
    const procRoot = mkdtempSync(join(root, 'proc-'));
    proc(procRoot, 30, 'nginx', ['/usr/lib/libssl.so.3']);
    proc(procRoot, 31, 'curl', ['/usr/lib/libssl.so.3']);
    proc(procRoot, 32, 'nginx', ['/broken/libssl.so.3']);
    proc(procRoot, 33, 'nginx', ['/usr/lib/libssl.so.3']);
    const inode = statSync(join(procRoot, '30', 'ns', 'net')).ino;
    const other = statSync(join(procRoot, '32', 'ns', 'net')).ino;
    const { scanner: s, attached, warnings } = scanner(procRoot, { processNames: ['nginx'], netnsInodes: [inode, other] });
    s.scan();
    s.scan();
    assert.deepEqual(attached, ['/30/root/usr/lib/libssl.so.3'], 'curl is not a name asked for, 33 is in another netns');
    assert.equal(s.current().attachFailures, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /broken\/libssl\.so\.3 \(pid 32\) failed/);
  });

  it('attaches at most maxLibraries files, the rest counted and said once', () => {
    const procRoot = mkdtempSync(join(root, 'proc-'));
    for (let pid = 40; pid < 44; pid++) proc(procRoot, pid, 'app', ['/usr/lib/libssl.so.3']);
    const { scanner: s, attached, warnings } = scanner(procRoot, { maxLibraries: 2 });
    s.scan();
    assert.equal(attached.length, 2);
    assert.equal(s.current().librariesSkipped, 2);
    assert.equal(warnings.length, 1);
  });
});

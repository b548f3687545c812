import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { programName } from './programName.js';

describe('programName', () => {
  it('names a process by its comm unless it runs on a generic runtime', () => {
    assert.equal(programName('curl', 'curl -s http://10.0.0.2:8080/'), 'curl');
    assert.equal(programName('nginx', 'nginx: worker process'), 'nginx', 'a rewritten cmdline does not rename it');
    assert.equal(programName('postgres', 'postgres: checkpointer'), 'postgres');
    assert.equal(programName('redis-server', null), 'redis-server', 'no cmdline: the comm');
    assert.equal(programName('node', null), 'node');
  });

  it('names a script run by a runtime by the script', () => {
    assert.equal(programName('node', 'node /path/app.js'), 'app');
    assert.equal(programName('node', '/usr/bin/node --enable-source-maps -r dotenv/config /srv/checkout/server.mjs --port 80'), 'server');
    assert.equal(programName('node', 'node /work/main/test/dist/fixtures/tcpPeer.js http-server --listen 10.0.0.2 --port 8080'), 'tcpPeer');
    assert.equal(programName('node', 'node /srv/checkout/dist/index.js'), 'checkout', 'index by its directory, past dist');
    assert.equal(programName('node', 'node index.js'), 'index', 'no directory to name it by');
    assert.equal(programName('python3', '/usr/bin/python3 /usr/local/bin/gunicorn app:app -b 0.0.0.0:8000'), 'gunicorn');
    assert.equal(programName('python3.11', 'python3.11 -u worker.py'), 'worker');
    assert.equal(programName('ruby', 'ruby /srv/api/main.rb'), 'api');
    assert.equal(programName('deno', 'deno run --allow-net server.ts'), 'server');
    assert.equal(programName('dotnet', 'dotnet /app/Orders.dll'), 'Orders');
  });

  it('names modules, jars and classes', () => {
    assert.equal(programName('python3', 'python3 -m http.server 8000'), 'http.server');
    assert.equal(programName('python3', 'python3 -X dev -m uvicorn main:app'), 'uvicorn');
    assert.equal(programName('http-nio-8080-e', '/usr/lib/jvm/bin/java -Xmx1g -jar /opt/orders-1.2.jar'), 'orders-1.2', 'not the thread that used the socket');
    assert.equal(programName('java', 'java -cp /opt/lib/* com.example.Main'), 'com.example.Main');
    assert.equal(programName('java', 'java -m orders/com.example.Main'), 'com.example.Main');
  });

  it('falls back to the comm for inline code or no program', () => {
    assert.equal(programName('node', 'node -e require("net").connect(80)'), 'node');
    assert.equal(programName('python3', 'python3 -c import socket'), 'python3');
    assert.equal(programName('node', 'node'), 'node');
    assert.equal(programName('node', 'node --inspect'), 'node');
  });

  it("names Weft's own processes weft-<command>", () => {
    assert.equal(programName('node', 'node /work/main/apps/cli/bin/weft.js up'), 'weft-up');
    assert.equal(programName('node', '/usr/bin/node /work/main/apps/cli/dist/main.js api --clickhouse http://127.0.0.1:8123/weft'), 'weft-api');
    assert.equal(programName('node', 'node /work/main/apps/cli/dist/main.js ingest --kafka k:9092'), 'weft-ingest');
    assert.equal(programName('node', 'node /work/main/node_modules/.bin/weft agent --json'), 'weft-agent');
    assert.equal(programName('weft', '/usr/local/bin/weft agent --grpc 10.0.0.1:4317'), 'weft-agent', 'a weft executable on PATH');
    assert.equal(programName('node', 'node /srv/weft/bin/weft.js'), 'weft', 'no command');
    assert.equal(programName('node', 'node /srv/other/dist/main.js api'), 'other', 'another main.js is not weft');
  });
});

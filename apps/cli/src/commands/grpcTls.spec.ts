import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ConfigError } from '@weft/runtime';
import { agentTlsOf, isLoopbackHost, listenerTlsOf } from './grpcTls.js';

const refused = (flag: string, ...words: string[]) => (err: unknown) =>
  err instanceof ConfigError && err.setting === flag && words.every((w) => err.message.includes(w)) && !err.message.includes('\n');

test('loopback: localhost, 127.0.0.0/8, ::1; nothing else', () => {
  for (const host of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '1.127.0.0', 'ingest', 'localhost.example', '::2', '::ffff:10.0.0.1', '']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('a plaintext listener: on loopback as before; elsewhere only with --grpc-plaintext', () => {
  assert.equal(listenerTlsOf({ host: '127.0.0.1', port: 4317 }, {}), null);
  assert.equal(listenerTlsOf({ host: '::1', port: 4317 }, {}), null);
  assert.equal(listenerTlsOf(null, {}), null);
  for (const host of ['0.0.0.0', '::', '10.0.0.1']) {
    assert.throws(() => listenerTlsOf({ host, port: 4317 }, {}), refused('--grpc-listen', '--tls-cert', '--tls-key', '--grpc-plaintext'), host);
    assert.equal(listenerTlsOf({ host, port: 4317 }, { grpcPlaintext: true }), null, host);
  }
});

test('listener TLS flags: both or neither, only with --grpc-listen, not with --grpc-plaintext; files checked', () => {
  const at = { host: '0.0.0.0', port: 4317 };
  assert.throws(() => listenerTlsOf(at, { tlsCert: '/nonexistent.crt' }), refused('--tls-key', '--tls-cert and --tls-key'));
  assert.throws(() => listenerTlsOf(at, { tlsKey: '/nonexistent.key' }), refused('--tls-cert', '--tls-cert and --tls-key'));
  assert.throws(() => listenerTlsOf(null, { tlsCert: 'a', tlsKey: 'b' }), refused('--tls-cert', '--grpc-listen'));
  assert.throws(() => listenerTlsOf(null, { grpcPlaintext: true }), refused('--grpc-plaintext', '--grpc-listen'));
  assert.throws(() => listenerTlsOf(at, { tlsClientCa: 'ca' }), refused('--tls-client-ca', '--tls-cert'));
  assert.throws(() => listenerTlsOf(at, { tlsCert: 'a', tlsKey: 'b', grpcPlaintext: true }), refused('--grpc-plaintext'));
  assert.throws(() => listenerTlsOf(at, { tlsCert: '/nonexistent.crt', tlsKey: '/nonexistent.key' }), refused('--tls-cert', '/nonexistent.crt', 'ENOENT'));
  // A file that is there but is no certificate.
  assert.throws(() => listenerTlsOf(at, { tlsCert: '/etc/hostname', tlsKey: '/etc/hostname' }), refused('--tls-cert', 'no PEM certificate'));
});

test('agent: plaintext to loopback as before; elsewhere --tls-ca or --grpc-plaintext; flags, then WEFT_AGENT_* env', () => {
  assert.equal(agentTlsOf('127.0.0.1:4317', {}, {}), null);
  assert.equal(agentTlsOf('localhost:4317', {}, {}), null);
  assert.equal(agentTlsOf('[::1]:4317', {}, {}), null);
  assert.equal(agentTlsOf(undefined, {}, {}), null);
  for (const target of ['10.0.0.1:4317', 'ingest.weft.svc:4317', 'dns:///ingest:4317', ':4317']) {
    assert.throws(() => agentTlsOf(target, {}, {}), refused('--grpc', '--tls-ca', '--grpc-plaintext'), target);
    assert.equal(agentTlsOf(target, { grpcPlaintext: true }, {}), null, target);
    assert.equal(agentTlsOf(target, {}, { WEFT_AGENT_GRPC_PLAINTEXT: 'true' }), null, target);
  }
  assert.throws(() => agentTlsOf('10.0.0.1:4317', {}, { WEFT_AGENT_GRPC_PLAINTEXT: 'yes' }), refused('--grpc-plaintext', 'WEFT_AGENT_GRPC_PLAINTEXT'));
  assert.throws(() => agentTlsOf('10.0.0.1:4317', { tlsCa: '/nonexistent-ca.crt' }, {}), refused('--tls-ca', '/nonexistent-ca.crt'));
  assert.throws(() => agentTlsOf('10.0.0.1:4317', {}, { WEFT_AGENT_TLS_CA: '/nonexistent-env-ca.crt' }), refused('--tls-ca', '/nonexistent-env-ca.crt'));
  assert.throws(() => agentTlsOf('10.0.0.1:4317', { tlsCa: 'a', grpcPlaintext: true }, {}), refused('--grpc-plaintext'));
  assert.throws(() => agentTlsOf('10.0.0.1:4317', { tlsServerName: 'x' }, {}), refused('--tls-server-name', '--tls-ca'));
  assert.throws(() => agentTlsOf('10.0.0.1:4317', { tlsCa: 'a', tlsCert: 'c' }, {}), refused('--tls-key'));
  assert.throws(() => agentTlsOf(undefined, { tlsCa: 'a' }, {}), refused('--tls-ca', '--grpc'));
});

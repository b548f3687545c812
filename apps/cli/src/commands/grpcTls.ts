// TLS on the gRPC transport, as the CLI's flags give it: read and checked at
// start-up (a file that is missing, unreadable, not PEM, or a key that is not
// the certificate's stops start-up with a ConfigError naming the flag), and
// plaintext only on loopback unless --grpc-plaintext says it is on purpose.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError, parseListenAddress } from '@weft/runtime';

/** A listener's TLS (the shape startPipelineGrpcServer takes). */
export interface ListenerTls {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/** An agent's TLS to its ingest (the shape GrpcSender takes). */
export interface AgentTls {
  ca: Buffer;
  serverName?: string;
  cert?: Buffer;
  key?: Buffer;
}

/** The listener's flags (`weft ingest` and `weft up`). */
export interface ListenerTlsOptions {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  grpcPlaintext?: boolean;
}

/** The agent's flags; each also reads WEFT_AGENT_<FLAG>. */
export interface AgentTlsOptions {
  tlsCa?: string;
  tlsServerName?: string;
  tlsCert?: string;
  tlsKey?: string;
  grpcPlaintext?: boolean;
}

/** localhost, 127.0.0.0/8 (also as ::ffff:127.x.y.z) and ::1: addresses no other machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) {
    if (/^(0{0,4}:){1,7}0{0,3}1$/.test(h)) return true; // ::1, 0:0:0:0:0:0:0:1
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && (mapped[1] as string).startsWith('127.');
  }
  return false;
}

function readPem(file: string, flag: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${flag}: cannot read ${file} (${code ?? (err as Error).message})`, flag);
  }
  return bytes;
}

function certificate(file: string, flag: string): { pem: Buffer; x509: X509Certificate } {
  const pem = readPem(file, flag);
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate');
    return { pem, x509: new X509Certificate(pem) };
  } catch {
    throw new ConfigError(`${flag}: ${file} holds no PEM certificate`, flag);
  }
}

function privateKey(file: string, flag: string): { pem: Buffer; key: KeyObject } {
  const pem = readPem(file, flag);
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString('latin1'))) throw new Error('no PEM key');
    return { pem, key: createPrivateKey(pem) };
  } catch {
    throw new ConfigError(`${flag}: ${file} holds no PEM private key (unencrypted)`, flag);
  }
}

/** A certificate and its key, checked to belong together. */
function keyPair(certFile: string, keyFile: string, certFlag: string, keyFlag: string): { cert: Buffer; key: Buffer } {
  const cert = certificate(certFile, certFlag);
  const key = privateKey(keyFile, keyFlag);
  if (!cert.x509.checkPrivateKey(key.key)) {
    throw new ConfigError(`${keyFlag}: ${keyFile} is not the key of the certificate in ${certFlag} ${certFile}`, keyFlag);
  }
  return { cert: cert.pem, key: key.pem };
}

/**
 * The listener's TLS from its flags, or null for plaintext; plaintext on an
 * address other than loopback only with --grpc-plaintext.
 */
export function listenerTlsOf(listen: { host: string; port: number } | null, options: ListenerTlsOptions): ListenerTls | null {
  const given = (['tlsCert', 'tlsKey', 'tlsClientCa'] as const).filter((name) => options[name] !== undefined);
  if (!listen) {
    if (given.length > 0 || options.grpcPlaintext) {
      const flag = options.grpcPlaintext ? '--grpc-plaintext' : flagOf(given[0] as string);
      throw new ConfigError(`${flag} is for --grpc-listen`, flag);
    }
    return null;
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    const flag = options.tlsCert === undefined ? '--tls-cert' : '--tls-key';
    throw new ConfigError('--tls-cert and --tls-key go together: give both (TLS) or neither', flag);
  }
  if (options.tlsCert === undefined || options.tlsKey === undefined) {
    if (options.tlsClientCa !== undefined) throw new ConfigError('--tls-client-ca needs --tls-cert and --tls-key', '--tls-client-ca');
    if (!options.grpcPlaintext && !isLoopbackHost(listen.host)) {
      throw new ConfigError(
        `--grpc-listen ${listen.host}:${listen.port} is not a loopback address: give --tls-cert FILE --tls-key FILE for TLS, or --grpc-plaintext to accept plaintext on purpose`,
        '--grpc-listen',
      );
    }
    return null;
  }
  if (options.grpcPlaintext) throw new ConfigError('--grpc-plaintext contradicts --tls-cert: give one or the other', '--grpc-plaintext');
  const pair = keyPair(options.tlsCert, options.tlsKey, '--tls-cert', '--tls-key');
  return options.tlsClientCa === undefined ? pair : { ...pair, clientCa: certificate(options.tlsClientCa, '--tls-client-ca').pem };
}

function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function envFlag(raw: string | undefined, flag: string, envName: string): boolean {
  if (raw === undefined || raw === '' || raw === '0' || raw.toLowerCase() === 'false') return false;
  if (raw === '1' || raw.toLowerCase() === 'true') return true;
  throw new ConfigError(`${envName} (${flag}) must be 1, true, 0 or false, got "${raw}"`, flag);
}

/**
 * The agent's TLS to the ingest at `target` from its flags (then
 * WEFT_AGENT_TLS_CA, _TLS_SERVER_NAME, _TLS_CERT, _TLS_KEY,
 * _GRPC_PLAINTEXT), or null for plaintext; plaintext to an ingest other than
 * on loopback only with --grpc-plaintext.
 */
export function agentTlsOf(target: string | undefined, options: AgentTlsOptions, env: NodeJS.ProcessEnv = process.env): AgentTls | null {
  const ca = options.tlsCa ?? env.WEFT_AGENT_TLS_CA;
  const serverName = options.tlsServerName ?? env.WEFT_AGENT_TLS_SERVER_NAME;
  const cert = options.tlsCert ?? env.WEFT_AGENT_TLS_CERT;
  const key = options.tlsKey ?? env.WEFT_AGENT_TLS_KEY;
  const plaintext = options.grpcPlaintext === true || envFlag(env.WEFT_AGENT_GRPC_PLAINTEXT, '--grpc-plaintext', 'WEFT_AGENT_GRPC_PLAINTEXT');
  const given = Object.entries({ '--tls-ca': ca, '--tls-server-name': serverName, '--tls-cert': cert, '--tls-key': key }).filter(([, v]) => v !== undefined);
  if (!target) {
    const flag = plaintext ? '--grpc-plaintext' : given[0]?.[0];
    if (flag) throw new ConfigError(`${flag} is for --grpc`, flag);
    return null;
  }
  if (ca === undefined) {
    const other = given[0]?.[0];
    if (other) throw new ConfigError(`${other} needs --tls-ca (the CA that signed the ingest's certificate)`, other);
    let host: string | null = null;
    try {
      host = parseListenAddress(target, '--grpc').host;
    } catch {
      // Not HOST:PORT (a gRPC target such as dns:///name:port): not known to be loopback.
    }
    if (!plaintext && !(host !== null && isLoopbackHost(host))) {
      throw new ConfigError(
        `--grpc ${target} is not a loopback address: give --tls-ca FILE (the CA that signed the ingest's certificate) for TLS, or --grpc-plaintext to send plaintext on purpose`,
        '--grpc',
      );
    }
    return null;
  }
  if (plaintext) throw new ConfigError('--grpc-plaintext contradicts --tls-ca: give one or the other', '--grpc-plaintext');
  if ((cert === undefined) !== (key === undefined)) {
    const flag = cert === undefined ? '--tls-cert' : '--tls-key';
    throw new ConfigError('--tls-cert and --tls-key (the agent\'s client certificate) go together: give both or neither', flag);
  }
  if (serverName !== undefined && !/^[A-Za-z0-9.-]+$/.test(serverName)) {
    throw new ConfigError(`--tls-server-name must be a host name, got "${serverName}"`, '--tls-server-name');
  }
  return {
    ca: certificate(ca, '--tls-ca').pem,
    ...(serverName !== undefined ? { serverName } : {}),
    ...(cert !== undefined && key !== undefined ? keyPair(cert, key, '--tls-cert', '--tls-key') : {}),
  };
}

import ipaddr from 'ipaddr.js';
import type { DnsAnswer, DnsQuestion } from './dnsMessage.js';

/** An answer lives at least this long, so that a zero-TTL answer still names the connection its client opens right after it. */
export const DNS_MIN_TTL_SECONDS = 5;

interface Entry {
  name: string;
  expiresMs: number;
}

export interface DnsNameCacheStats {
  entries: number;
  /** Entries dropped to make room (the oldest first) before their TTL ran out. */
  evictions: number;
  /** Entries whose TTL ran out (found so at a lookup or pushed out after it). */
  expirations: number;
}

/**
 * The node's DNS answers, address -> the name asked: every A/AAAA record of
 * a response, whether owned by the query name or by a CNAME on its way, names
 * its address by the query name (what the program asked for:
 * `api.stripe.com`, not the CDN's canonical name). An entry lives for its
 * record's TTL (at least DNS_MIN_TTL_SECONDS); the cache holds at most
 * `maxEntries`, the least recently answered going first (counted). A later
 * answer for the same address replaces the earlier one.
 */
export class DnsNameCache {
  private readonly entries = new Map<string, Entry>();
  private evictions = 0;
  private expirations = 0;

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  learn(question: DnsQuestion, answers: readonly DnsAnswer[], nowMs: number): void {
    if (question.name === '') return;
    for (const answer of answers) {
      if (answer.type === 'CNAME') continue;
      const address = addressText(answer.data);
      if (address === null) continue;
      this.entries.delete(address);
      while (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.entries().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest[0]);
        if (oldest[1].expiresMs > nowMs) this.evictions += 1;
        else this.expirations += 1;
      }
      this.entries.set(address, { name: question.name, expiresMs: nowMs + Math.max(answer.ttlSeconds, DNS_MIN_TTL_SECONDS) * 1000 });
    }
  }

  /** The name an unexpired answer gave `address` (text as the rows have it), or null. */
  nameOf(address: string, nowMs: number): string | null {
    const entry = this.entries.get(address);
    if (!entry) return null;
    if (entry.expiresMs <= nowMs) {
      this.entries.delete(address);
      this.expirations += 1;
      return null;
    }
    return entry.name;
  }

  stats(): DnsNameCacheStats {
    return { entries: this.entries.size, evictions: this.evictions, expirations: this.expirations };
  }
}

/** An answer's address as the rows write it (IPv6 in RFC 5952 form), or null when it is none. */
function addressText(data: string): string | null {
  if (!ipaddr.isValid(data)) return null;
  const parsed = ipaddr.parse(data);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
}

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bucketMidpointUs, histogramSamples } from './durationHistogram.js';

const SHAPE = { exact: 16, subBits: 3 };

/** The kernel's bucket of a duration (bpf/l7_http1_fast.bpf.h weft_fast_bucket), for the checks. */
function kernelBucket(us: number): number {
  if (us < 16) return us;
  const top = Math.floor(Math.log2(us));
  return 16 + (top - 4) * 8 + (Math.floor(us / 2 ** (top - 3)) & 7);
}

describe('duration histogram', () => {
  it('gives each bucket a value within 6.25 % of every duration that falls in it', () => {
    for (const us of [0, 7, 15, 16, 17, 18, 31, 32, 100, 999, 20_000, 21_503, 1_000_000, 2 ** 31 + 12345]) {
      const mid = bucketMidpointUs(kernelBucket(us), SHAPE);
      assert.ok(Math.abs(mid - us) <= Math.max(1, us * 0.0625), `${us} us -> bucket ${kernelBucket(us)} -> ${mid}`);
    }
  });

  it('keeps every duration when they fit, in proportion when not, never more than the bound', () => {
    const buckets = [{ index: kernelBucket(20_000), count: 3 }, { index: kernelBucket(500), count: 1 }];
    assert.equal(histogramSamples(buckets, SHAPE, 10).length, 4);
    const many = [{ index: kernelBucket(20_000), count: 3000 }, { index: kernelBucket(500), count: 1000 }];
    const samples = histogramSamples(many, SHAPE, 1024);
    assert.equal(samples.length, 1024);
    assert.equal(samples.filter((s) => s === bucketMidpointUs(kernelBucket(500), SHAPE)).length, 256);
    assert.deepEqual(histogramSamples(many, SHAPE, 0), []);
  });
});

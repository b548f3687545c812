#include "record_ring.h"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace weft_native {

int RecordRing::Open(int fd, size_t bytes) {
  Close();
  page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  consumer_ = mmap(nullptr, page_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (consumer_ == MAP_FAILED) {
    consumer_ = nullptr;
    return -errno;
  }
  // The kernel maps the data twice in a row, so a record that wraps around
  // the end reads as one piece.
  producer_ = mmap(nullptr, page_ + 2 * bytes, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(page_));
  if (producer_ == MAP_FAILED) {
    int err = -errno;
    producer_ = nullptr;
    Close();
    return err;
  }
  fd_ = fd;
  bytes_ = bytes;
  mask_ = bytes - 1;
  data_ = static_cast<const uint8_t*>(producer_) + page_;
  return 0;
}

void RecordRing::Close() {
  if (producer_ != nullptr) munmap(producer_, page_ + 2 * bytes_);
  if (consumer_ != nullptr) munmap(consumer_, page_);
  producer_ = nullptr;
  consumer_ = nullptr;
  data_ = nullptr;
  fd_ = -1;
}

void RecordRing::Consume(void (*sample)(void* ctx, const void* data, size_t size), void* ctx) {
  if (data_ == nullptr) return;
  auto* consumer_pos = static_cast<unsigned long*>(consumer_);
  const auto* producer_pos = static_cast<const unsigned long*>(producer_);
  // Only this reader moves the consumer position.
  unsigned long cons = __atomic_load_n(consumer_pos, __ATOMIC_RELAXED);
  unsigned long prod = __atomic_load_n(producer_pos, __ATOMIC_ACQUIRE);
  while (cons < prod) {
    const uint8_t* header = data_ + (cons & mask_);
    uint32_t len = __atomic_load_n(reinterpret_cast<const uint32_t*>(header), __ATOMIC_ACQUIRE);
    // Reserved but not committed yet: it and what follows wait for the next read.
    if (len & BPF_RINGBUF_BUSY_BIT) break;
    uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
    if (!(len & BPF_RINGBUF_DISCARD_BIT)) sample(ctx, header + BPF_RINGBUF_HDR_SZ, size);
    cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
    // Producers may wait for room in a long batch: give it back now and then.
    if (cons - __atomic_load_n(consumer_pos, __ATOMIC_RELAXED) >= bytes_ / 4) __atomic_store_n(consumer_pos, cons, __ATOMIC_RELEASE);
  }
  // What was committed after the snapshot of prod waits for the next read:
  // a steady stream cannot keep this loop going.
  __atomic_store_n(consumer_pos, cons, __ATOMIC_RELEASE);
}

}  // namespace weft_native

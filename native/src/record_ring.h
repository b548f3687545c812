// A BPF ring buffer read by hand, for the L7 ring: libbpf 1.1 moves the
// consumer position after every record, and each such store is a cache line
// the producing CPUs must fetch again at their next reserve (tens of
// thousands of times a second with L7 on). Here the position moves once per
// batch read.
#ifndef WEFT_NATIVE_RECORD_RING_H
#define WEFT_NATIVE_RECORD_RING_H

#include <cstddef>
#include <cstdint>

namespace weft_native {

class RecordRing {
 public:
  RecordRing() = default;
  RecordRing(const RecordRing&) = delete;
  RecordRing& operator=(const RecordRing&) = delete;
  ~RecordRing() { Close(); }

  // Maps the ring of map fd `fd` (max_entries `bytes`, a power of two).
  // Returns 0, or -errno.
  int Open(int fd, size_t bytes);
  void Close();
  bool open() const { return data_ != nullptr; }
  int fd() const { return fd_; }

  // Calls sample(ctx, data, size) for each record committed so far, in
  // order (discarded ones skipped), and then frees their space.
  void Consume(void (*sample)(void* ctx, const void* data, size_t size), void* ctx);

 private:
  int fd_ = -1;
  size_t mask_ = 0;
  size_t page_ = 0;
  size_t bytes_ = 0;
  void* consumer_ = nullptr;  // the consumer page (read-write)
  void* producer_ = nullptr;  // the producer page and the data, mapped twice over
  const uint8_t* data_ = nullptr;
};

}  // namespace weft_native

#endif  // WEFT_NATIVE_RECORD_RING_H

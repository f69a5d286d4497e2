// ArenaMessageAllocator: makes a gRPC callback method's request and response
// on one protobuf arena per call, freed at once when the call ends.
//
//   ArenaMessageAllocator<v1::GetFactRequest, v1::GetFactResponse> allocator;
//   service.SetMessageAllocatorFor_GetFact(&allocator);
//
// Without it gRPC makes both messages on the heap, and every string and
// sub-message of a parsed request or a built response is a heap allocation
// of its own, freed one by one. A read that parses stored records onto the
// response's arena (response->GetArena(); storage::Store::ReadFacts) moves
// their parts into the response instead of copying them. A handler that
// moves a heap message into an arena response copies it instead: build the
// parts of such a response on its arena.
//
// Thread-safe. The allocator must outlive the server it is registered with.
#ifndef FACTSTORE_SERVER_ARENA_MESSAGE_ALLOCATOR_H_
#define FACTSTORE_SERVER_ARENA_MESSAGE_ALLOCATOR_H_

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace factstore::server {

template <typename Request, typename Response>
class ArenaMessageAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  // The first block is part of the holder, so that a small call (a point
  // read) allocates nothing but the holder; larger ones grow in blocks of
  // up to kMaxBlockBytes.
  static constexpr size_t kFirstBlockBytes = 4096;
  static constexpr size_t kMaxBlockBytes = 64 * 1024;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(first_block_)) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    // gRPC calls this once the call is done with both messages.
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* first_block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = first_block;
      options.initial_block_size = kFirstBlockBytes;
      options.max_block_size = kMaxBlockBytes;
      return options;
    }

    alignas(std::max_align_t) char first_block_[kFirstBlockBytes];
    // Declared after first_block_, so destroyed before it.
    google::protobuf::Arena arena_;
  };
};

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_ARENA_MESSAGE_ALLOCATOR_H_

#include "server/arena_message_allocator.h"

#include <string>

#include "factstore/v1/query_service.pb.h"
#include "gtest/gtest.h"

namespace factstore::server {
namespace {

TEST(ArenaMessageAllocatorTest, RequestAndResponseShareOneArenaPerCall) {
  ArenaMessageAllocator<v1::GetFactRequest, v1::GetFactResponse> allocator;
  auto* first = allocator.AllocateMessages();
  auto* second = allocator.AllocateMessages();
  ASSERT_NE(first->request()->GetArena(), nullptr);
  EXPECT_EQ(first->request()->GetArena(), first->response()->GetArena());
  EXPECT_NE(first->response()->GetArena(), second->response()->GetArena());
  // More than the first block: the arena grows, and Release frees it all
  // (the ASan build checks that nothing leaks).
  for (int i = 0; i < 100; ++i) {
    first->response()->mutable_fact()->add_mentions()->set_quote(
        std::string(512, 'q'));
  }
  first->request()->set_id("f_1");
  EXPECT_EQ(first->response()->fact().mentions(99).quote().size(), 512u);
  EXPECT_EQ(first->response()->fact().mentions(0).GetArena(),
            first->response()->GetArena());
  first->Release();
  second->Release();
}

}  // namespace
}  // namespace factstore::server

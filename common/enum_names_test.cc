#include "common/enum_names.h"

#include "factstore/v1/query_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(ShortEnumNameTest, DropsThePrefixTheTypeNameGives) {
  EXPECT_EQ(ShortEnumName(v1::ENTITY_TYPE_PLACE), "PLACE");
  EXPECT_EQ(ShortEnumName(v1::MODALITY_REPORTED), "REPORTED");
  EXPECT_EQ(ShortEnumName(v1::CHANGE_KIND_MENTION_ADDED), "MENTION_ADDED");
  EXPECT_EQ(ShortEnumName(v1::MATCH_KIND_WORD_PREFIX), "WORD_PREFIX");
  EXPECT_EQ(ShortEnumName(v1::ENTITY_TYPE_UNSPECIFIED), "UNSPECIFIED");
}

TEST(ShortEnumNameTest, AValueTheDescriptorDoesNotKnowIsItsNumber) {
  // The generated _Name() gives "" here, which cut at the prefix's length
  // used to read past the end.
  EXPECT_EQ(ShortEnumName(static_cast<v1::EntityType>(9999)), "9999");
  EXPECT_EQ(ShortEnumName(static_cast<v1::Modality>(-3)), "-3");
}

}  // namespace
}  // namespace factstore

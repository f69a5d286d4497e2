// BCP-47 language tags as factstore reads them: the form check the ingest
// and query services apply to every tag they are given, and how a wanted
// language matches a tagged text.
#ifndef FACTSTORE_COMMON_LANGUAGE_TAG_H_
#define FACTSTORE_COMMON_LANGUAGE_TAG_H_

#include "absl/strings/string_view.h"

namespace factstore {

// True if `tag` has the form of a BCP-47 tag: a primary language subtag of 2
// or 3 letters, then subtags of 1 to 8 letters or digits separated by '-'
// ("en", "vi", "ko-KR", "zh-Hant-TW"), at most kMaxLanguageTagBytes. The
// subtags are not checked against the IANA registry: a well-formed tag
// nobody registered is accepted.
bool IsLanguageTag(absl::string_view tag);

// True if a text tagged `tag` serves a reader who wants `wanted`: the same
// tag, ignoring case ("ko-kr" is "ko-KR"); `tag` is the primary language of
// `wanted` ("ko-KR" takes "ko"); or `wanted` is a primary language alone and
// `tag` one of its variants ("ko" takes "ko-KR"). Not a sibling variant:
// "ko-KR" does not take "ko-KP".
bool InLanguage(absl::string_view tag, absl::string_view wanted);

// The primary language subtag of `tag` ("ko" for "ko-KR").
absl::string_view PrimaryLanguage(absl::string_view tag);

}  // namespace factstore

#endif  // FACTSTORE_COMMON_LANGUAGE_TAG_H_

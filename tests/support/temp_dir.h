// TempDir: a fresh directory for one test, removed with everything in it
// when the object goes away.
//
//   TempDir dir;
//   auto store = Store::OpenPrimary(dir.path() + "/db", {});
#ifndef FACTSTORE_TESTS_SUPPORT_TEMP_DIR_H_
#define FACTSTORE_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace factstore::testing {

class TempDir {
 public:
  // Creates a unique directory under $TEST_TMPDIR (Bazel's per-test
  // directory), or under /tmp outside Bazel. Aborts the test binary if it
  // cannot.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace factstore::testing

#endif  // FACTSTORE_TESTS_SUPPORT_TEMP_DIR_H_

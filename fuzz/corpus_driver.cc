// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer:
// the corpus regression tests of //fuzz (`bazel test //fuzz/...`) and a
// reproducer for a finding built with the normal toolchain:
//
//   bazel-bin/fuzz/key_codec_fuzzer fuzz/corpus/key_codec/crash-1234
//   bazel-bin/fuzz/normalizer_fuzzer fuzz/corpus/normalizer   # a directory
//
// Each file is one GoogleTest case named after it. An input that breaks an
// invariant aborts the process (the targets check with FUZZ_CHECK, which
// prints the file being run first), as it would under libFuzzer; an empty
// corpus fails, so that a wrong path cannot pass unnoticed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc,
                                                          char*** argv);

namespace {

namespace fs = std::filesystem;

class CorpusFileTest : public ::testing::Test {
 public:
  explicit CorpusFileTest(std::string path) : path_(std::move(path)) {}

  void TestBody() override {
    std::ifstream in(path_, std::ios::binary);
    ASSERT_TRUE(in.good()) << "cannot read " << path_;
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", path_.c_str(),
                 bytes.size());
    // Copy into a buffer of exactly the input's size, as libFuzzer does,
    // so that ASan would see a read past the end.
    std::vector<uint8_t> buffer(bytes.begin(), bytes.end());
    EXPECT_EQ(LLVMFuzzerTestOneInput(buffer.data(), buffer.size()), 0);
  }

 private:
  std::string path_;
};

// Test names may only hold letters, digits and '_'.
std::string CaseName(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path().string());
      }
    } else {
      files.push_back(arg.string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...  (no inputs found)\n",
                 argv[0]);
    return 2;
  }
  for (const std::string& file : files) {
    ::testing::RegisterTest(
        "Corpus", CaseName(file).c_str(), nullptr, file.c_str(), __FILE__,
        __LINE__,
        [file]() -> ::testing::Test* { return new CorpusFileTest(file); });
  }
  return RUN_ALL_TESTS();
}

"""fuzz_target: one libFuzzer target of factstore and its corpus regression test.

For a target `name` with source `name.cc` (defining LLVMFuzzerTestOneInput)
and seed corpus `corpus/<corpus>/`, this declares:

  name_lib          the fuzz entry point (alwayslink)
  name              under --config=fuzz a libFuzzer binary (clang, ASan,
                    UBSan; see .bazelrc); otherwise the same entry point behind
                    fuzz/corpus_driver.cc, which runs the files and directories
                    given as arguments once each, to reproduce a finding
  name_corpus_test  runs every file of the corpus once (each one a GoogleTest
                    case), with the normal toolchain, in `bazel test //...`

The real fuzzing runs are fuzz/run_fuzzers.sh (`./dev fuzz`).
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def fuzz_target(name, corpus, deps = [], data = []):
    """Declares a fuzz target, its binary and its corpus test.

    Args:
      name: the target's name; its source is `name + ".cc"`.
      corpus: the directory under fuzz/corpus/ holding its seeds.
      deps: what the entry point uses.
      data: files the entry point reads at run time.
    """
    cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = [name + ".cc"],
        deps = deps,
        alwayslink = True,
    )
    cc_binary(
        name = name,
        testonly = True,
        data = data,
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + name + "_lib"] + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:corpus_driver"],
        }),
    )
    cc_test(
        name = name + "_corpus_test",
        size = "small",
        args = ["fuzz/corpus/" + corpus],
        data = native.glob(["corpus/" + corpus + "/**"]) + data,
        deps = [
            ":" + name + "_lib",
            "//fuzz:corpus_driver",
        ],
    )

"""The rules_cc entry points, mapped onto Bazel 4.2.3's native C++ rules.

Debian ships a rules_cc that needs a newer Bazel than Debian's own Bazel, and
the build must not download one; the native rules are what rules_cc wraps.
"""

cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite

"""C++ code generation for .proto files with the system protoc.

Bazel's proto_library would download protobuf's sources; factstore instead runs
Debian's protoc and grpc_cpp_plugin in a genrule and wraps the output in a
cc_library, so nothing is fetched at build time.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def factstore_cc_proto_library(
        name,
        srcs,
        proto_root = "",
        grpc = False,
        proto_deps = [],
        import_roots = [],
        deps = [],
        visibility = None):
    """Generates C++ (and optionally gRPC) code for `srcs`.

    Args:
      name: name of the resulting cc_library.
      srcs: .proto files of this package.
      proto_root: the directory import paths start from: "" for the workspace
        root (storage/records.proto is imported as "storage/records.proto"),
        or this package's own directory ("protos": protos/factstore/v1/x.proto
        is imported as "factstore/v1/x.proto").
      grpc: also generate gRPC service code (*.grpc.pb.{h,cc}).
      proto_deps: labels of the .proto files that `srcs` import.
      import_roots: proto_path directories (workspace-relative) of `proto_deps`.
      deps: cc_library targets generated from `proto_deps`.
      visibility: visibility of the cc_library.
    """
    package = native.package_name()
    if proto_root not in ("", package):
        fail("proto_root must be \"\" or this package's directory")
    outs = []
    for src in srcs:
        if not src.endswith(".proto"):
            fail("%s is not a .proto file" % src)
        stem = src[:-len(".proto")]
        outs += [stem + ".pb.h", stem + ".pb.cc"]
        if grpc:
            outs += [stem + ".grpc.pb.h", stem + ".grpc.pb.cc"]

    out_dir = "$(GENDIR)" + ("/" + proto_root if proto_root else "")
    proto_paths = ["--proto_path=" + (proto_root or ".")]
    proto_paths += ["--proto_path=" + root for root in import_roots]
    files = [package + "/" + src for src in srcs]

    cmd = "protoc %s --cpp_out=%s" % (" ".join(proto_paths), out_dir)
    if grpc:
        cmd += " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin --grpc_out=%s" % out_dir
    cmd += " " + " ".join(files)

    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = cmd,
        message = "Generating C++ code for %s" % name,
    )

    sys_deps = ["@system_libs//:protobuf"]
    if grpc:
        sys_deps.append("@system_libs//:grpc++")

    cc_library(
        name = name,
        srcs = [out for out in outs if out.endswith(".cc")],
        hdrs = [out for out in outs if out.endswith(".h")],
        includes = ["."] if proto_root else [],
        deps = deps + sys_deps,
        visibility = visibility,
    )

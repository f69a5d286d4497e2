// ThreadSanitizer settings for every factstore binary that locks with
// factstore::Mutex (docs/build.md, "Sanitizers").
//
// Debian's gRPC, Abseil and protobuf are not built with TSan. TSan cannot
// see the synchronization inside them (Abseil's mutex, gRPC's lock-free
// queues), yet it would still see the memory they touch through the C
// library functions it intercepts (memcpy, epoll_wait, ...), and report
// every handoff between their threads as a race. So calls from
// uninstrumented libraries are not checked; factstore's own code and the
// C++ standard library's inline code, compiled with TSan, still are.
//
// TSan reads these from functions of the main executable; without TSan
// nothing calls them. TSAN_OPTIONS in the environment adds to and overrides
// the defaults.

//
// suppress_equal_addresses=0: with it, TSan compares each race against a
// list of every address it has seen race, which grows with every suppressed
// report of one large message (a batch of 10,000 facts parsed on one gRPC
// thread and freed on another) and makes it quadratic; without it, a race
// at a known suppressed location is recognized by its stack alone.
extern "C" const char* __tsan_default_options() {
  return "ignore_noninstrumented_modules=1:suppress_equal_addresses=0";
}

// gRPC orders the callbacks of one call (a reactor's OnReadDone, then its
// OnWriteDone on another thread, interceptor hooks, ...) through its
// uninstrumented core, so TSan would report every handoff between them.
// Races with a gRPC thread on either side are suppressed: gRPC's C++
// templates compiled into factstore ("race_top": the racing frame is theirs)
// and anything running under gRPC's dispatch (a frame of libgrpc++ or
// libgrpc in the stack). What TSan still checks is the synchronization
// between factstore's own threads: the committer, the store follower, the
// change feed, the read executor, the metrics and the tests' threads.
extern "C" const char* __tsan_default_suppressions() {
  return "race_top:grpc::\n"
         "race:libgrpc++.so\n"
         "race:libgrpc.so\n";
}

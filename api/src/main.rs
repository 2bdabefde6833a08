/// mimalloc instead of glibc's allocator. GraphQL resolution allocates for every field of every
/// object it returns, from both actix worker threads at once, and glibc's `malloc` and `free`
/// (with their chunk consolidation) dominated a depth-3 traversal under load (`perf`,
/// BENCHMARKS.md). mimalloc's per-thread free lists are the usual remedy.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main()
}

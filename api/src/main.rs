/// mimalloc instead of glibc's allocator: a cold metrics query allocates and frees hundreds
/// of thousands of small strings and rows, and glibc's malloc/free (with its consolidation
/// passes) was a sixth of its profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main()
}

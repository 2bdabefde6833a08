/// The same allocator as the `wayfinder` server: `bench events` runs the server in this process,
/// and its figures must compare with the production binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wayfinder_tools::cli::main()
}

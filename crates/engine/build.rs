//! Compiles the small C helper that does Redis's `long double` arithmetic (see src/float.rs).
fn main() {
    println!("cargo:rerun-if-changed=src/ldouble.c");
    cc::Build::new()
        .file("src/ldouble.c")
        .opt_level(2)
        .compile("ferrokv_ldouble");
}

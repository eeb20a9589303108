//! The checked-in TypeScript types must match the Rust types.

use std::path::Path;

#[test]
fn checked_in_typescript_types_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pwa/src/generated/tandem.ts");
    let fresh = tandem_shared::typescript::bindings();
    if std::env::var_os("TANDEM_WRITE_TS").is_some() {
        std::fs::write(&path, &fresh).expect("write generated types");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "pwa/src/generated/tandem.ts is stale; run `TANDEM_WRITE_TS=1 cargo test -p tandem-shared --test typescript`"
    );
}

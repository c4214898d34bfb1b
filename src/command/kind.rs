//! The names registry rows give commands (`command = "…"` in `opcodes.toml`). `build.rs`
//! generates [`CommandKind`] from the registry file itself: a new name in a row is a new
//! variant, and a name no row uses any more stops compiling wherever a decoder still matches
//! it.

include!(concat!(env!("OUT_DIR"), "/command_kind.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_own_name() {
        for kind in CommandKind::ALL {
            let parsed: CommandKind =
                serde_json::from_value(serde_json::json!(kind.as_str())).unwrap();
            assert_eq!(parsed, *kind);
        }
        let mut names: Vec<_> = CommandKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CommandKind::ALL.len(), "names are unique");
    }
}

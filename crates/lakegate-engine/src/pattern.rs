//! Pattern checks (`pattern`, `format`) over string columns with a dense DFA run on several
//! strings at once.
//!
//! polars' `str.contains` calls `Regex::is_match` once per row: a search set up per call, then
//! one DFA transition per byte, each waiting for the previous one (a chain of dependent table
//! loads). Here the pattern is compiled once into a dense DFA, and [`LANES`] strings advance
//! together, one byte each per step: their transition chains are independent, so the loads
//! overlap. Exact: the DFA is the one `regex` itself builds for the pattern (same syntax,
//! Unicode on), a match state seen anywhere is a match, a dead state is a miss. Patterns the
//! DFA cannot take (Unicode word boundaries, a DFA over the size limit) keep `str.contains`.

use std::sync::Arc;

use hashbrown::HashMap;
use polars::prelude::*;
use rayon::prelude::*;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

/// Strings matched at once. Eight independent transition chains hide most of a load's latency
/// on current cores without spilling the states out of registers.
const LANES: usize = 8;

/// The largest DFA (and determinization working set) built for one pattern; larger patterns,
/// typically Unicode classes, keep polars' regex engine.
const SIZE_LIMIT: usize = 4 << 20;

/// A compiled pattern: `is_match` semantics of `regex::Regex` (unanchored unless the pattern
/// anchors itself).
///
/// The DFA's states are copied into a flat table of our own where a match state is replaced
/// by one absorbing `MATCH` state (for `is_match`, a match seen is the answer) and the dead
/// state absorbs too, so the lanes' loop needs no check per byte.
pub struct Matcher {
    /// Byte -> class.
    classes: [u8; 256],
    /// `trans[state + class]`: states are row offsets (index * stride).
    trans: Vec<u32>,
    /// Per state (by index): a match at the end of the string.
    eoi: Vec<bool>,
    stride: usize,
    start: u32,
}

const DEAD: u32 = 0;

impl Matcher {
    /// The DFA for `pattern`, or None when it cannot be built within the limits.
    pub fn new(pattern: &str) -> Option<Matcher> {
        let config = dense::DFA::config()
            .start_kind(StartKind::Unanchored)
            .match_kind(MatchKind::LeftmostFirst)
            .dfa_size_limit(Some(SIZE_LIMIT))
            .determinize_size_limit(Some(SIZE_LIMIT));
        // No quit bytes are configured (and Unicode word boundaries, which would need them,
        // fail the build): a special state that is not a match is dead or accelerated, and
        // acceleration only skips bytes, it does not change where the DFA goes.
        let dfa = dense::Builder::new().configure(config).build(pattern).ok()?;
        // Every row is searched from its start: the start state of a haystack's beginning.
        let first = dfa.start_state(&start::Config::new().anchored(Anchored::No)).ok()?;
        let bc = dfa.byte_classes();
        let stride = bc.alphabet_len();
        let reps: Vec<(usize, u8)> =
            bc.representatives(..).filter_map(|u| u.as_u8()).map(|b| (usize::from(bc.get(b)), b)).collect();
        // States by index: 0 dead, 1 match, then the DFA's states as they are reached.
        const MATCH: usize = 1;
        let mut index: HashMap<StateID, usize> = HashMap::new();
        let mut order: Vec<StateID> = Vec::new();
        let mut trans = vec![0u32; 2 * stride];
        trans[MATCH * stride..2 * stride].fill((MATCH * stride) as u32);
        let mut eoi = vec![false, true];
        let mut id = |s: StateID, order: &mut Vec<StateID>| -> usize {
            if dfa.is_dead_state(s) {
                0
            } else if dfa.is_match_state(s) {
                MATCH
            } else {
                *index.entry(s).or_insert_with(|| {
                    order.push(s);
                    order.len() + 1
                })
            }
        };
        let start = id(first, &mut order);
        let mut next = 0;
        while next < order.len() {
            let s = order[next];
            next += 1;
            let row = trans.len();
            trans.resize(row + stride, 0);
            for &(class, b) in &reps {
                trans[row + class] = (id(dfa.next_state(s, b), &mut order) * stride) as u32;
            }
            eoi.push(dfa.is_match_state(dfa.next_eoi_state(s)));
            if trans.len() * 4 > SIZE_LIMIT {
                return None;
            }
        }
        let mut classes = [0u8; 256];
        for (b, c) in classes.iter_mut().enumerate() {
            *c = bc.get(b as u8);
        }
        Some(Matcher { classes, trans, eoi, stride, start: (start * stride) as u32 })
    }

    /// Whether `hay` contains a match (one string; the lanes' reference and their tails).
    pub fn is_match(&self, hay: &[u8]) -> bool {
        self.finish(self.start, hay)
    }

    /// Whether a match is seen from state `s` over the rest of a string, `rest`.
    fn finish(&self, mut s: u32, rest: &[u8]) -> bool {
        let matched = self.stride as u32;
        for &b in rest {
            if s <= matched {
                break;
            }
            s = self.trans[s as usize + usize::from(self.classes[usize::from(b)])];
        }
        s != DEAD && (s == matched || self.eoi[s as usize / self.stride])
    }

    /// Matches [`LANES`] strings together: all advance one byte per step over the bytes they
    /// all have, with no branch (the dead and match states absorb), then each finishes alone
    /// over its own remaining bytes.
    #[allow(clippy::needless_range_loop)] // byte i of every lane per step is the point
    fn lanes(&self, hays: &[&[u8]; LANES], out: &mut [bool]) {
        let common = hays.iter().map(|h| h.len()).min().unwrap_or(0);
        let heads: [&[u8]; LANES] = std::array::from_fn(|j| &hays[j][..common]);
        let mut state = [self.start; LANES];
        for i in 0..common {
            for j in 0..LANES {
                state[j] = self.trans[state[j] as usize + usize::from(self.classes[usize::from(heads[j][i])])];
            }
        }
        for j in 0..LANES {
            out[j] = self.finish(state[j], &hays[j][common..]);
        }
    }

    /// Matches every row of a string column; null rows stay null.
    pub fn column(&self, c: &Column) -> PolarsResult<Column> {
        // Categorical and enum columns were cast to text when the dataset was opened.
        let ca = c.str()?;
        let arrs: Vec<_> = ca.downcast_iter().collect();
        let lens: Vec<usize> = arrs.iter().map(|a| a.len()).collect();
        let answers: Vec<Vec<bool>> = crate::pieces(&lens)
            .into_par_iter()
            .map(|(a, rows)| {
                let arr = arrs[a];
                let mut out = vec![false; rows.len()];
                let full = rows.len() / LANES * LANES;
                for (block, first) in (rows.start..rows.start + full).step_by(LANES).enumerate() {
                    let hays: [&[u8]; LANES] = std::array::from_fn(|j| arr.value(first + j).as_bytes());
                    self.lanes(&hays, &mut out[block * LANES..(block + 1) * LANES]);
                }
                for (i, o) in out.iter_mut().enumerate().skip(full) {
                    *o = self.is_match(arr.value(rows.start + i).as_bytes());
                }
                out
            })
            .collect();
        let values: Vec<bool> = answers.concat();
        let out = BooleanChunked::from_slice(ca.name().clone(), &values);
        let out = if ca.null_count() > 0 { out.with_validity(ca.rechunk_validity()) } else { out };
        Ok(out.into_column())
    }
}

/// `e` (a string column) matches `pattern`: null for null rows, like `str.contains`.
pub fn matches(e: Expr, pattern: &str) -> Expr {
    match Matcher::new(pattern) {
        Some(m) => {
            let m = Arc::new(m);
            e.map_with_fmt_str(
                move |c: Column| m.column(&c),
                |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
                "str.matches_dfa",
            )
        }
        None => e.str().contains(lit(pattern.to_string()), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: &[&str] = &[
        r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
        r"abc",
        r"^$",
        r"",
        r"a*",
        r"^(?:foo|bar)+\d{2,3}$",
        r"(?i)straße",
        r"[^a-z]",
        r"\bword\b",
        r"^\p{Greek}+$",
        r"x$",
        r"(?m)^b",
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    ];

    const HAYS: &[&str] = &[
        "",
        "a",
        "abc",
        "xabcx",
        "user1@example.com",
        "user 1@example.com",
        "user1@@example.com",
        "user1@example.c",
        "@example.com",
        "foobar12",
        "foo1",
        "barfoo123",
        "STRASSE",
        "Straße",
        "a word here",
        "awordhere",
        "αβγ",
        "αβγx",
        "x",
        "ax\nb",
        "a\nb",
        "0123abcd-0123-4567-89ab-0123456789ab",
        "0123abcd-0123-4567-89ab-0123456789ag",
        "ünïcödé and a long string that runs past the twelve bytes kept inline in a view",
        "first.last+tag@sub.example-host.org",
        "https://example.com/a?b=c",
        "mailto:x@y.z",
        "no scheme here",
        "192.168.0.1",
        "256.1.1.1",
        "2001:db8::1",
        "::1",
        "1:2:3:4:5:6:7:8:9",
        "2025-06-30",
        "2025-13-01",
        "2025-06-30T12:34:56.789+02:00",
        "2025-06-30 24:00:00Z",
        "a-very-long-label-that-is-still-fine-because-it-has-under-sixty-three.example",
    ];

    #[test]
    fn agrees_with_regex_one_string_at_a_time_and_in_lanes() {
        let formats = ["email", "uuid", "uri", "hostname", "ipv4", "ipv6", "date", "date-time"]
            .map(|f| crate::lower::format_regex(f).unwrap_or_else(|| panic!("{f}")));
        for p in PATTERNS.iter().chain(&formats) {
            let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            let Some(m) = Matcher::new(p) else {
                // Unicode word boundaries are not DFA material: the caller keeps str.contains.
                assert!(p.contains(r"\b"), "{p} should compile to a DFA");
                continue;
            };
            let want: Vec<bool> = HAYS.iter().map(|h| re.is_match(h)).collect();
            let one: Vec<bool> = HAYS.iter().map(|h| m.is_match(h.as_bytes())).collect();
            assert_eq!(one, want, "{p}");
            // Every string in every lane, next to strings of other lengths (the common part
            // of a block ends at a different byte each time).
            for shift in 0..HAYS.len() {
                let pick = |j: usize| (shift + j * 5) % HAYS.len();
                let hays: [&[u8]; LANES] = std::array::from_fn(|j| HAYS[pick(j)].as_bytes());
                let mut out = [false; LANES];
                m.lanes(&hays, &mut out);
                let expected: Vec<bool> = (0..LANES).map(|j| want[pick(j)]).collect();
                assert_eq!(out.to_vec(), expected, "{p}, lanes from {shift}");
            }
        }
    }

    #[test]
    fn column_keeps_nulls_and_agrees_with_str_contains() -> PolarsResult<()> {
        let p = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$";
        // More rows than a piece, over two chunks, with nulls.
        let values: Vec<Option<String>> = (0..150_000)
            .map(|i| match i % 7 {
                0 => None,
                1 => Some(format!("user{i}@example")),
                2 => Some(format!("user {i}@example.com")),
                _ => Some(format!("user{i}@example.com")),
            })
            .collect();
        let mut s = Series::new("email".into(), &values[..70_001]);
        s.append(&Series::new("email".into(), &values[70_001..]))?;
        assert_eq!(s.n_chunks(), 2);
        let df = DataFrame::new(s.len(), vec![s.into_column()])?;
        let got = df.clone().lazy().select([matches(col("email"), p).alias("m")]).collect()?;
        let want = df.lazy().select([col("email").str().contains(lit(p), true).alias("m")]).collect()?;
        assert!(got.equals_missing(&want));
        let m = got.column("m")?;
        assert_eq!(m.null_count(), values.iter().filter(|v| v.is_none()).count());
        assert_eq!(m.bool()?.sum(), Some(150_000 - 3 * 21_429));
        Ok(())
    }

    #[test]
    fn patterns_beyond_the_dfa_keep_str_contains() {
        assert!(Matcher::new(r"\bword\b").is_none());
        // A Unicode class far beyond the size limit.
        assert!(Matcher::new(r"^\w{50}\W{50}$").is_none());
        let plan = format!("{:?}", matches(col("x"), r"\bword\b"));
        assert!(plan.contains("contains"), "{plan}");
        let plan = format!("{:?}", matches(col("x"), r"^a+$"));
        assert!(plan.contains("matches_dfa"), "{plan}");
    }
}

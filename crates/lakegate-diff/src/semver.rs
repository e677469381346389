//! Semantic versioning of a contract's `version`: a breaking change needs a major bump, a
//! non-breaking one a minor bump, documentation a patch. Below 1.0.0 the minor number is the
//! major one (0.3.0 -> 0.4.0 may break), as in Cargo.

use lakegate_contract::LoadedContract;
use serde::Serialize;

use crate::{Change, Impact, Location};

/// A version bump, from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// The version is unchanged.
    None,
    /// Patch (documentation).
    Patch,
    /// Minor (compatible changes).
    Minor,
    /// Major (breaking changes).
    Major,
}

impl Bump {
    /// The name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingLevel {
    /// Fails the diff (exit 1 unless `--fail-on never`).
    Error,
    /// Said, never fails.
    Note,
}

/// A verdict on the version bump.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Error or note.
    pub level: FindingLevel,
    /// What is wrong or worth knowing.
    pub message: String,
    /// The new file's `version`.
    pub location: Location,
}

/// Parses `1`, `1.2`, `1.2.3`, `v1.2.3`, `1.2.3-rc.1` (the pre-release and build parts are ignored).
pub fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let core = v.split(['-', '+']).next()?;
    // `1` and `1.2` read as 1.0.0 and 1.2.0; a pre-release or build suffix needs all three
    // numbers (`2024-06-01` is a date, not version 2024).
    if core.len() < v.len() && core.split('.').count() != 3 {
        return None;
    }
    let mut parts = core.split('.');
    let mut next = |required: bool| -> Option<u64> {
        match parts.next() {
            Some(p) => p.parse().ok(),
            None if required => None,
            None => Some(0),
        }
    };
    let t = (next(true)?, next(false)?, next(false)?);
    parts.next().is_none().then_some(t)
}

/// Parses a version written as semantic versioning requires: `MAJOR.MINOR.PATCH` with an
/// optional `-pre-release` or `+build` part, no `v` prefix and no missing number (`v2`, `2`
/// and `2.0` are not). The new side of a diff must be written so: a consumer pinning `^2`
/// cannot read `v2`.
pub fn parse_strict(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    let numeric =
        |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0'));
    if parts.len() != 3 || !parts.iter().all(numeric) || v.len() == core.len() + 1 {
        return None;
    }
    parse(v)
}

/// The bump from `a` to `b`: `None` when `b` is lower.
fn bump(a: (u64, u64, u64), b: (u64, u64, u64)) -> Option<Bump> {
    if b < a {
        return None;
    }
    Some(if b.0 > a.0 || (a.0 == 0 && b.0 == 0 && b.1 > a.1) {
        Bump::Major
    } else if b.1 > a.1 || (a.0 == 0 && b.2 > a.2) {
        Bump::Minor
    } else if b.2 > a.2 {
        Bump::Patch
    } else if b == a {
        Bump::None
    } else {
        Bump::Patch
    })
}

/// `1 breaking change`, `2 breaking changes`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// The semantic-versioning verdict on one contract.
pub(crate) struct Verdict {
    pub required: Bump,
    pub actual: Option<Bump>,
    pub major_bump: bool,
    pub findings: Vec<Finding>,
}

pub(crate) fn judge(old: Option<&LoadedContract>, new: Option<&LoadedContract>, changes: &[Change]) -> Verdict {
    let required = if changes.iter().any(|c| c.impact() == Impact::Breaking) {
        Bump::Major
    } else if changes.iter().any(|c| c.impact() == Impact::NonBreaking) {
        Bump::Minor
    } else if changes.is_empty() {
        Bump::None
    } else {
        Bump::Patch
    };
    let mut v = Verdict { required, actual: None, major_bump: false, findings: Vec::new() };
    let (Some(o), Some(n)) = (old, new) else { return v };
    let at = Location::of(n, "/version");
    let (ov, nv) = (&o.contract.version, &n.contract.version);
    let breaking = changes.iter().filter(|c| c.impact() == Impact::Breaking).count();
    // The old version is read leniently (`2`, `v2.1`: what was merged before), the new one
    // must be MAJOR.MINOR.PATCH: a pull request that fixes the spelling can still announce.
    let (Some(a), Some(b)) = (parse(ov), parse_strict(nv)) else {
        let (level, what) = if breaking > 0 {
            (FindingLevel::Error, format!("{} cannot be announced", plural(breaking, "breaking change")))
        } else {
            (FindingLevel::Note, "the bump cannot be checked".to_owned())
        };
        v.findings.push(Finding {
            level,
            message: match parse(nv).filter(|_| parse(ov).is_some()) {
                Some((x, y, z)) => format!(
                    "version `{ov}` -> `{nv}`: `{nv}` is not semantic (MAJOR.MINOR.PATCH, e.g. `{x}.{y}.{z}`): {what}"
                ),
                None => format!("version `{ov}` -> `{nv}` is not semantic (MAJOR.MINOR.PATCH): {what}"),
            },
            location: at,
        });
        return v;
    };
    let Some(actual) = bump(a, b) else {
        v.findings.push(Finding {
            level: FindingLevel::Error,
            message: format!("version went down: `{ov}` -> `{nv}`"),
            location: at,
        });
        return v;
    };
    v.actual = Some(actual);
    v.major_bump = actual == Bump::Major;
    let next_major = if a.0 == 0 { format!("0.{}.0", a.1 + 1) } else { format!("{}.0.0", a.0 + 1) };
    let next_minor = if a.0 == 0 { format!("0.{}.{}", a.1, a.2 + 1) } else { format!("{}.{}.0", a.0, a.1 + 1) };
    match (required, actual) {
        (Bump::Major, x) if x < Bump::Major => v.findings.push(Finding {
            level: FindingLevel::Error,
            message: format!(
                "{} without a major version bump: `{ov}` -> `{nv}` is {}; bump to `{next_major}` and tell the \
                 consumers, or make the change compatible",
                plural(breaking, "breaking change"),
                if actual == Bump::None { "unchanged".to_owned() } else { format!("a {} bump", actual.as_str()) }
            ),
            location: at,
        }),
        (Bump::Minor, x) if x < Bump::Minor => v.findings.push(Finding {
            level: FindingLevel::Note,
            message: format!(
                "non-breaking changes usually bump the minor version: `{ov}` -> `{nv}` is {}; consider `{next_minor}`",
                if x == Bump::None { "unchanged".to_owned() } else { format!("a {} bump", x.as_str()) }
            ),
            location: at,
        }),
        (r, x) if x > r && x > Bump::Patch => v.findings.push(Finding {
            level: FindingLevel::Note,
            message: format!(
                "`{ov}` -> `{nv}` is a {} bump that the changes do not need (they need {})",
                x.as_str(),
                match r {
                    Bump::None => "none: nothing changed".to_owned(),
                    r => format!("a {} bump", r.as_str()),
                }
            ),
            location: at,
        }),
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bumps() {
        assert_eq!(parse("1.2.3"), Some((1, 2, 3)));
        assert_eq!(parse("v2"), Some((2, 0, 0)));
        assert_eq!(parse("1.0.0-rc.1"), Some((1, 0, 0)));
        assert_eq!(parse("one"), None);
        assert_eq!(parse("2024-06-01"), None);
        assert_eq!(parse("1.2.3.4"), None);
        for bad in ["v2", "2", "2.0", "v2.0.0", "2.0.0.0", "02.0.0", "2.0.x", "2.0.0-", ""] {
            assert_eq!(parse_strict(bad), None, "{bad}");
        }
        assert_eq!(parse_strict("2.0.0"), Some((2, 0, 0)));
        assert_eq!(parse_strict("2.0.0-rc.1"), Some((2, 0, 0)));
        assert_eq!(parse_strict("10.1.0+build.5"), Some((10, 1, 0)));
        assert_eq!(bump((1, 2, 3), (2, 0, 0)), Some(Bump::Major));
        assert_eq!(bump((1, 2, 3), (1, 3, 0)), Some(Bump::Minor));
        assert_eq!(bump((1, 2, 3), (1, 2, 4)), Some(Bump::Patch));
        assert_eq!(bump((1, 2, 3), (1, 2, 3)), Some(Bump::None));
        assert_eq!(bump((1, 2, 3), (1, 2, 2)), None);
        assert_eq!(bump((0, 3, 1), (0, 4, 0)), Some(Bump::Major));
        assert_eq!(bump((0, 3, 1), (0, 3, 2)), Some(Bump::Minor));
    }
}

//! JUnit XML: one testsuite per contract, one testcase per check.

use lakegate_core::{RunResult, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// `s` with every character XML 1.0 forbids (U+0000-U+001F but tab, newline and carriage
/// return; U+FFFE, U+FFFF) replaced by U+FFFD, so that ids, titles, messages and sample values
/// from contracts and data always give well-formed XML. quick-junit strips only some of them
/// (not U+FFFE/U+FFFF) and only in some fields; a replacement shows the reader where a
/// character was.
pub(crate) fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Renders the run as JUnit XML (failed -> failure, errored -> error, skipped -> skipped;
/// warnings pass with their message in system-out).
pub fn junit(run: &RunResult) -> Result<String, String> {
    let mut report = Report::new("lakegate");
    for c in &run.contracts {
        let mut suite = TestSuite::new(xml_text(c.name.as_deref().unwrap_or(&c.id)));
        for r in &c.checks {
            let detail = xml_text(&format!(
                "{} | observed {} | expected {} | {}:{}:{}",
                r.message,
                crate::view::observed(r),
                r.expected,
                r.info.location.file,
                r.info.location.line,
                r.info.location.column
            ));
            let message = xml_text(&r.message);
            let mut status = match r.status {
                Status::Passed | Status::Warning => TestCaseStatus::success(),
                Status::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Status::Errored => TestCaseStatus::non_success(NonSuccessKind::Error),
                Status::Skipped => TestCaseStatus::skipped(),
            };
            if matches!(r.status, Status::Failed | Status::Errored | Status::Skipped) {
                status.set_message(message.as_str());
                status.set_type(xml_text(&r.info.kind));
                status.set_description(detail.as_str());
            }
            let mut case = TestCase::new(xml_text(&r.info.id), status);
            case.set_classname(xml_text(&format!("{}.{}", c.id, r.info.dataset.as_deref().unwrap_or("contract"))));
            if r.status == Status::Warning {
                case.set_system_out(format!("WARNING: {detail}"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(
            super::xml_text("a\u{0}b\u{1b}[31mc\td\ne\u{FFFE}f\u{FFFF}g\u{7f}é"),
            "a\u{FFFD}b\u{FFFD}[31mc\td\ne\u{FFFD}f\u{FFFD}g\u{7f}é"
        );
    }
}

//! JUnit XML: one testsuite per contract, one testcase per check.

use lakegate_core::{RunResult, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// Renders the run as JUnit XML (failed -> failure, errored -> error, skipped -> skipped;
/// warnings pass with their message in system-out).
pub fn junit(run: &RunResult) -> Result<String, String> {
    let mut report = Report::new("lakegate");
    for c in &run.contracts {
        let mut suite = TestSuite::new(c.name.clone().unwrap_or_else(|| c.id.clone()));
        for r in &c.checks {
            let detail = format!(
                "{} | observed {} | expected {} | {}:{}:{}",
                r.message,
                crate::view::observed(r),
                r.expected,
                r.info.location.file,
                r.info.location.line,
                r.info.location.column
            );
            let mut status = match r.status {
                Status::Passed | Status::Warning => TestCaseStatus::success(),
                Status::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Status::Errored => TestCaseStatus::non_success(NonSuccessKind::Error),
                Status::Skipped => TestCaseStatus::skipped(),
            };
            if matches!(r.status, Status::Failed | Status::Errored | Status::Skipped) {
                status.set_message(r.message.as_str());
                status.set_type(r.info.kind.as_str());
                status.set_description(detail.as_str());
            }
            let mut case = TestCase::new(r.info.id.as_str(), status);
            case.set_classname(format!("{}.{}", c.id, r.info.dataset.as_deref().unwrap_or("contract")));
            if r.status == Status::Warning {
                case.set_system_out(format!("WARNING: {detail}"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| e.to_string())
}

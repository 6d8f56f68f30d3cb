use crate::model::StatusReport;

/// The report as pretty-printed JSON, ending in a newline.
pub fn json(report: &StatusReport) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serializes");
    text.push('\n');
    text
}

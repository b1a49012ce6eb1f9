//! Timestamps for reports: RFC 3339 in UTC, whole seconds
//! (`2024-05-01T12:34:56Z`), computed without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// `t` as RFC 3339 UTC. Times before 1970 are clamped to the epoch.
pub fn rfc3339(t: SystemTime) -> String {
    epoch_rfc3339(
        t.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// `secs` seconds after the epoch as RFC 3339 UTC.
pub fn epoch_rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `HH:MM:SS` in UTC, for console time stamps.
pub fn time_of_day(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `HH:MM:SS` in local time (UTC when the local zone is unknown), for
/// console time stamps.
pub fn local_time_of_day(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let Ok(secs_t) = libc::time_t::try_from(secs) else {
        return time_of_day(t);
    };
    // SAFETY: localtime_r reads `secs_t` and fills `tm`, a plain C struct
    // for which all-zero is a valid value; it touches nothing else.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs_t, &mut tm).is_null() {
            return time_of_day(t);
        }
        tm
    };
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_instants() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day of a century leap year) 12:00:01.
        assert_eq!(at(951_825_601), "2000-02-29T12:00:01Z");
        assert_eq!(at(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(at(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(epoch_rfc3339(1_735_689_600), "2025-01-01T00:00:00Z");
        // No overflow however far: a year of many digits.
        assert!(epoch_rfc3339(u64::MAX).ends_with('Z'));
        assert_eq!(
            time_of_day(UNIX_EPOCH + Duration::from_secs(951_825_601)),
            "12:00:01"
        );
    }
}

//! Schedules of scheduled actions: `at(...)` timestamps and EventBridge-style
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)` expressions, and the next times
//! they fire. Pure: no clock, no state.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead a search for the next firing looks before giving up.
const HORIZON_DAYS: i64 = 366 * 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cron {
    minute: u32,
    hours: Vec<u32>,
    days_of_month: Option<Vec<u32>>,
    months: Vec<u32>,
    /// 1 = Sunday … 7 = Saturday, as EventBridge counts.
    days_of_week: Option<Vec<u32>>,
    years: Option<Vec<i32>>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field: `*`, a value, a range `a-b`, a step `a/n` or `a-b/n` or `*/n`, or a list of those.
fn field(text: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<Vec<u32>, String> {
    let value = |v: &str| -> Result<u32, String> {
        let upper = v.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(min + i as u32);
        }
        v.parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| format!("'{v}' is not a valid {what} ({min}-{max})"))
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step = step
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("'{part}' has an invalid step"))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" => (min, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(range)?, max),
                None => {
                    let v = value(range)?;
                    (v, v)
                }
            },
        };
        if lo > hi {
            return Err(format!("'{part}' is an empty range of {what}"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl Cron {
    /// Parses `cron(m h dom mon dow year)`. Invocations must be at least an hour apart, so the
    /// minutes field must name a single minute.
    pub fn parse(expression: &str) -> Result<Cron, String> {
        let inner = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| format!("'{expression}' is not of the form cron(Minutes Hours Day-of-month Month Day-of-week Year)"))?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minute, hour, dom, month, dow, year] = fields[..] else {
            return Err(format!(
                "'{expression}' must have 6 fields, not {}",
                fields.len()
            ));
        };
        let minutes = field(minute, 0, 59, &[], "minute")?;
        let [minute] = minutes[..] else {
            return Err(
                "schedule invocations must be separated by at least one hour: give a single minute"
                    .into(),
            );
        };
        let optional = |text: &str,
                        parse: &dyn Fn(&str) -> Result<Vec<u32>, String>|
         -> Result<Option<Vec<u32>>, String> {
            if text == "?" {
                Ok(None)
            } else {
                parse(text).map(Some)
            }
        };
        let days_of_month = optional(dom, &|t| field(t, 1, 31, &[], "day of month"))?;
        let days_of_week = optional(dow, &|t| field(t, 1, 7, &DAYS, "day of week"))?;
        if days_of_month.is_some() == days_of_week.is_some() {
            return Err("exactly one of day-of-month and day-of-week must be '?'".into());
        }
        let years = if year == "*" {
            None
        } else {
            Some(
                field(year, 1970, 2199, &[], "year")?
                    .into_iter()
                    .map(|y| y as i32)
                    .collect(),
            )
        };
        Ok(Cron {
            minute,
            hours: field(hour, 0, 23, &[], "hour")?,
            days_of_month,
            months: field(month, 1, 12, &MONTHS, "month")?,
            days_of_week,
            years,
        })
    }

    fn matches_day(&self, day: NaiveDate) -> bool {
        let year_ok = self
            .years
            .as_ref()
            .is_none_or(|ys| ys.contains(&day.year()));
        let dom_ok = self
            .days_of_month
            .as_ref()
            .is_none_or(|ds| ds.contains(&day.day()));
        let dow = day.weekday().num_days_from_sunday() + 1;
        let dow_ok = self
            .days_of_week
            .as_ref()
            .is_none_or(|ds| ds.contains(&dow));
        year_ok && self.months.contains(&day.month()) && dom_ok && dow_ok
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.date_naive();
        (0..HORIZON_DAYS)
            .map(|d| start + Duration::days(d))
            .filter(|day| self.matches_day(*day))
            .flat_map(|day| {
                self.hours.iter().filter_map(move |h| {
                    day.and_hms_opt(*h, self.minute, 0)
                        .map(|t| Utc.from_utc_datetime(&t))
                })
            })
            .find(|t| *t > after)
    }
}

/// A scheduled action's schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    At(DateTime<Utc>),
    Cron(Cron),
}

impl Schedule {
    /// The first firing strictly after `after`, within `[start, end]` when those are given.
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let from = match start {
            Some(start) if start > after => start - Duration::seconds(1),
            _ => after,
        };
        let next = match self {
            Schedule::At(at) => Some(*at).filter(|at| *at > from),
            Schedule::Cron(cron) => cron.next_after(from),
        };
        next.filter(|t| end.is_none_or(|end| *t <= end))
    }

    /// Up to `n` coming firings, for `nextInvocations`.
    pub fn upcoming(
        &self,
        after: DateTime<Utc>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        n: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < n {
            match self.next_after(cursor, start, end) {
                Some(t) => {
                    out.push(t);
                    cursor = t;
                }
                None => break,
            }
        }
        out
    }
}

/// Truncates to whole seconds, as schedules are kept.
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weekly_on_monday_at_ten() {
        let cron = Cron::parse("cron(0 10 ? * MON *)").unwrap();
        // 2024-01-03 is a Wednesday; the next Monday is the 8th.
        assert_eq!(
            cron.next_after(at("2024-01-03T12:00:00Z")),
            Some(at("2024-01-08T10:00:00Z"))
        );
        assert_eq!(
            cron.next_after(at("2024-01-08T10:00:00Z")),
            Some(at("2024-01-15T10:00:00Z"))
        );
    }

    #[test]
    fn hourly_ranges_lists_and_steps() {
        let cron = Cron::parse("cron(30 0/6 * * ? *)").unwrap();
        assert_eq!(cron.hours, vec![0, 6, 12, 18]);
        assert_eq!(
            cron.next_after(at("2024-05-01T06:30:00Z")),
            Some(at("2024-05-01T12:30:00Z"))
        );
        let cron = Cron::parse("cron(0 8-10,20 1,15 JAN-MAR ? 2025)").unwrap();
        assert_eq!(
            cron.next_after(at("2024-12-31T00:00:00Z")),
            Some(at("2025-01-01T08:00:00Z"))
        );
        assert_eq!(cron.next_after(at("2025-03-15T20:00:00Z")), None);
    }

    #[test]
    fn refuses_what_aws_refuses() {
        for bad in [
            "0 10 * * ? *",
            "cron(0 10 * * ?)",
            "cron(* 10 * * ? *)",
            "cron(0,30 10 * * ? *)",
            "cron(0 10 * * MON *)",
            "cron(0 10 ? * ? *)",
            "cron(0 25 * * ? *)",
            "cron(0 10 * FOO ? *)",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_bound_the_schedule() {
        let s = Schedule::Cron(Cron::parse("cron(0 * * * ? *)").unwrap());
        let start = at("2024-01-01T05:00:00Z");
        let end = at("2024-01-01T07:00:00Z");
        let times = s.upcoming(at("2024-01-01T00:00:00Z"), Some(start), Some(end), 10);
        assert_eq!(times, vec![start, at("2024-01-01T06:00:00Z"), end]);
        let once = Schedule::At(at("2024-02-01T00:00:00Z"));
        assert_eq!(
            once.upcoming(at("2024-01-01T00:00:00Z"), None, None, 3),
            vec![at("2024-02-01T00:00:00Z")]
        );
        assert!(once
            .next_after(at("2024-03-01T00:00:00Z"), None, None)
            .is_none());
    }
}

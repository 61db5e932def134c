//! Early warnings (预警) for leaders: the towns or grid areas where opinions of one category surge
//! in a week above their own baseline ([`crate::analytics::warnings`] has the method). Weeks run
//! Monday to Monday in Asia/Shanghai. Answers carry opinion ids only, never texts or positions.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::{Result, Service, ServiceError};
use crate::analytics::warnings::{monday_of, weekly_warnings, Warning, WarningLevel};
use crate::analytics::{date_of, day_number, local_day};
use crate::catalog::Catalog;
use crate::domain::{AreaCode, Category};

/// The week's warnings with the catalog that names their areas.
pub struct Warnings {
    catalog: Arc<Catalog>,
    pub level: WarningLevel,
    /// The judged week's Monday.
    pub week_start: NaiveDate,
    pub warnings: Vec<Warning>,
}

/// One warning as answers show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WarningView<'a> {
    pub level: WarningLevel,
    /// The town's area code or the grid's id.
    pub area: &'a str,
    /// The area's name, when the catalog still has it.
    pub area_name: Option<String>,
    pub category: Category,
    /// The Monday the week begins on (Asia/Shanghai).
    pub week_start: NaiveDate,
    /// Opinions of the category submitted in the area that week (so far, for the current week).
    pub count: u32,
    /// The mean of the 8 weeks before, at least 0.5.
    pub expected: f64,
    /// −log10 of P(X ≥ count) for X ~ Poisson(expected); above 3 for every warning.
    pub score: f64,
    /// The week's opinions in the cell, ascending ids, at most 200.
    pub opinion_ids: &'a [i64],
}

/// The answer of `/api/v1/warnings`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WarningsView<'a> {
    /// Most surprising first.
    pub warnings: Vec<WarningView<'a>>,
}

impl Warnings {
    pub fn view(&self) -> WarningsView<'_> {
        let warnings = self
            .warnings
            .iter()
            .map(|w| WarningView {
                level: self.level,
                area: &w.area,
                area_name: self.area_name(&w.area),
                category: w.category,
                week_start: self.week_start,
                count: w.count,
                expected: w.surprise.expected,
                score: w.surprise.score,
                opinion_ids: &w.opinion_ids,
            })
            .collect();
        WarningsView { warnings }
    }

    fn area_name(&self, id: &str) -> Option<String> {
        match self.level {
            WarningLevel::Town => self.catalog.area(&AreaCode::new(id).ok()?).map(|a| a.name.clone()),
            WarningLevel::Grid => self.catalog.grid(&id.parse().ok()?).map(|g| g.name.clone()),
        }
    }
}

/// The Monday (Asia/Shanghai) of the week holding `t`: the week warnings are judged by.
pub fn week_of(t: chrono::DateTime<chrono::FixedOffset>) -> NaiveDate {
    date_of(monday_of(local_day(t.timestamp())))
}

impl Service {
    /// The warnings of the week beginning on Monday `week` (default: the week holding now, so far),
    /// for towns or grid areas, of one category or all.
    pub async fn warnings(
        &self,
        week: Option<NaiveDate>,
        level: WarningLevel,
        category: Option<Category>,
    ) -> Result<Warnings> {
        let monday = match week {
            Some(date) if date.weekday() != Weekday::Mon => {
                return Err(ServiceError::invalid(
                    "invalid_week",
                    format!("week must be a Monday (weeks run Monday to Monday), got {date}, a {}", date.weekday()),
                ))
            }
            Some(date) => day_number(date),
            None => day_number(week_of(self.now())),
        };
        let live = self.facts().clone();
        let warnings = tokio::task::spawn_blocking(move || weekly_warnings(&live.read(), monday, level, category))
            .await
            .map_err(|e| ServiceError::Internal(format!("warnings: {e}")))?;
        Ok(Warnings { catalog: self.catalog(), level, week_start: date_of(monday), warnings })
    }
}

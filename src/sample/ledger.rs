//! A year of members' duty activities for the sample, as a station's ledger would hold them: every
//! reception session of the year before [`history_end`] with the members who came and the visitors,
//! a few consultations, research visits and inspections per station, and monthly river patrols by
//! the members of some stations. Patrol paths are WGS84 lon/lat degrees, walked in steps of
//! 100–250 m near the station. Deterministic: the sample never changes.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use geo::LineString;

use super::history::history_end;
use super::SplitMix64;
use crate::catalog::Catalog;
use crate::domain::activity::{Activity, Patrol};
use crate::domain::{ActivityKind, MemberId, Station, StationKind, WaterClass};

/// Rivers of Haishu a patrol may walk.
const RIVERS: [&str; 9] = ["奉化江", "鄞江", "南塘河", "中塘河", "西塘河", "前塘河", "后塘河", "小溪港", "北斗河"];

/// What a patrol saw.
const SIGHTINGS: [&str; 6] = [
    "河面整洁，无漂浮物",
    "发现岸边少量生活垃圾，已联系保洁清理",
    "一处排口有异味，已拍照报镇河长办",
    "护栏一处松动，已报养护单位",
    "水体略浑浊，建议加密监测",
    "河道有钓鱼人员，已劝导注意安全",
];

/// Titles of the other activities, by kind.
fn titles(kind: ActivityKind) -> &'static [&'static str] {
    match kind {
        ActivityKind::Consultation => &["老旧小区加装电梯协商议事会", "停车难问题民主协商", "垃圾分类推进协商会"],
        ActivityKind::Research => &["养老服务设施专题调研", "学前教育资源调研", "农贸市场提升调研"],
        ActivityKind::Inspection => &["民生实事项目视察", "河道综合整治视察", "食品安全专项视察"],
        ActivityKind::Reception | ActivityKind::RiverPatrol => &["接待选民"],
    }
}

/// The ledger's year: the 365 days before the sample's history ends.
fn year() -> (NaiveDate, NaiveDate) {
    let end = history_end().date_naive();
    (end - Duration::days(365), end - Duration::days(1))
}

/// Members of the station in term on `date`, present each with probability `p` (at least one
/// when anyone was due), in the ledger's order.
fn present(rng: &mut SplitMix64, due: &[MemberId], p: f64) -> Vec<MemberId> {
    let came: Vec<MemberId> = due.iter().filter(|_| rng.chance(p)).cloned().collect();
    if came.is_empty() && !due.is_empty() {
        return vec![due[rng.below(due.len())].clone()];
    }
    came
}

/// A walk along a river near the station: 6–12 points, steps of 100–250 m, turning gently.
fn patrol_path(rng: &mut SplitMix64, station: &Station) -> LineString<f64> {
    // Degrees per metre at Haishu's latitude (~29.85°N).
    let (lat_m, lon_m) = (1.0 / 110_900.0, 1.0 / 96_250.0);
    let (mut x, mut y) = (
        station.location.lon() + rng.between(-400.0, 400.0) * lon_m,
        station.location.lat() + rng.between(-400.0, 400.0) * lat_m,
    );
    let mut heading = rng.between(0.0, std::f64::consts::TAU);
    let points = 6 + rng.below(7);
    let mut line = Vec::with_capacity(points);
    for _ in 0..points {
        line.push((x, y));
        let step = rng.between(100.0, 250.0);
        heading += rng.between(-0.35, 0.35);
        x += step * heading.cos() * lon_m;
        y += step * heading.sin() * lat_m;
    }
    LineString::from(line)
}

/// A random weekday of the year.
fn weekday(rng: &mut SplitMix64, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    loop {
        let d = first + Duration::days(rng.below((last - first).num_days() as usize + 1) as i64);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return d;
        }
    }
}

fn activity(kind: ActivityKind, station: &Station, date: NaiveDate, members: Vec<MemberId>, title: &str) -> Activity {
    Activity {
        id: 0,
        kind,
        station: station.id.clone(),
        date,
        start: None,
        end: None,
        members,
        visitors: 0,
        title: title.to_owned(),
        notes: String::new(),
        opinions: Vec::new(),
        patrol: None,
    }
}

/// The sample's ledger for the catalog's stations, oldest first.
pub fn ledger(catalog: &Catalog) -> Vec<Activity> {
    let mut rng = SplitMix64::new(0x1ED6_E700);
    let (first, last) = year();
    let from = first.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(history_end().timezone()).single());
    let Some(from) = from else { return Vec::new() };
    let mut out = Vec::new();
    for station in catalog.stations() {
        let own: Vec<&crate::domain::Member> = catalog.members_of_station(&station.id);
        let in_term = |ids: &mut dyn Iterator<Item = &MemberId>, date: NaiveDate| -> Vec<MemberId> {
            ids.filter(|id| catalog.member(id).is_some_and(|m| m.in_term_on(date))).cloned().collect()
        };
        // Every reception session of the year, with whoever came.
        for session in catalog.station_sessions(station, from, 400) {
            let date = session.start.date_naive();
            if date > last {
                break;
            }
            let due = if session.members.is_empty() {
                in_term(&mut own.iter().map(|m| &m.id), date)
            } else {
                in_term(&mut session.members.iter(), date)
            };
            let members = present(&mut rng, &due, 0.85);
            if members.is_empty() {
                continue;
            }
            let title = session.theme.clone().unwrap_or_else(|| match station.kind {
                StationKind::MemberWorkstation => "委员接待日".to_owned(),
                _ => "代表接待选民".to_owned(),
            });
            let mut a = activity(ActivityKind::Reception, station, date, members, &title);
            a.start = Some(session.start.time());
            a.end = Some(session.end.time());
            a.visitors = rng.below(13) as u32;
            out.push(a);
        }
        if own.is_empty() {
            continue;
        }
        // A few consultations, research visits and inspections.
        for (kind, n) in [(ActivityKind::Consultation, 2), (ActivityKind::Research, 2), (ActivityKind::Inspection, 1)] {
            for _ in 0..n {
                let date = weekday(&mut rng, first, last);
                let members = present(&mut rng, &in_term(&mut own.iter().map(|m| &m.id), date), 0.6);
                if !members.is_empty() {
                    out.push(activity(kind, station, date, members, rng.pick::<&str>(titles(kind))));
                }
            }
        }
        // Monthly river patrols at about a third of the stations, one member each.
        if !rng.chance(0.35) {
            continue;
        }
        let river = *rng.pick(&RIVERS);
        let mut month = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
        while month <= last {
            let date = (month + Duration::days(rng.below(25) as i64 + 2)).clamp(first, last);
            let due = in_term(&mut own.iter().map(|m| &m.id), date);
            if !due.is_empty() {
                let who = due[rng.below(due.len())].clone();
                let class = *rng.pick(&[
                    WaterClass::II,
                    WaterClass::III,
                    WaterClass::III,
                    WaterClass::IV,
                    WaterClass::IV,
                    WaterClass::V,
                ]);
                let mut a = activity(ActivityKind::RiverPatrol, station, date, vec![who], &format!("{river}巡河"));
                a.start = NaiveTime::from_hms_opt(9, 0, 0);
                a.end = NaiveTime::from_hms_opt(10, 30, 0);
                a.patrol = Some(Patrol {
                    river: river.to_owned(),
                    path: patrol_path(&mut rng, station),
                    observations: (*rng.pick(&SIGHTINGS)).to_owned(),
                    water_class: Some(class),
                    photos: Vec::new(),
                });
                out.push(a);
            }
            month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
    }
    out.sort_by_key(|a| (a.date, a.start));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::build(crate::sample::generate().into_data())
    }

    #[test]
    fn the_ledger_is_a_valid_year_of_every_kind() {
        let catalog = catalog();
        let ledger = ledger(&catalog);
        let (first, last) = year();
        for a in &ledger {
            assert_eq!(a.clone().checked(last).as_ref(), Ok(a), "{a:?}");
            assert!(first <= a.date && a.date <= last, "{}", a.date);
            for m in &a.members {
                assert!(catalog.member(m).is_some_and(|m| m.in_term_on(a.date)), "{m} on {}", a.date);
            }
        }
        for kind in ActivityKind::ALL {
            assert!(ledger.iter().any(|a| a.kind == *kind), "no {kind}");
        }
        // Every reception stands on a session of the station's calendar.
        for a in ledger.iter().filter(|a| a.kind == ActivityKind::Reception) {
            let station = catalog.station(&a.station).unwrap();
            assert!(crate::domain::schedule::has_session_on(&station.reception, a.date), "{} {}", a.station, a.date);
        }
        assert!(ledger.len() > 1000, "{}", ledger.len());
    }

    #[test]
    fn the_ledger_never_changes() {
        let catalog = catalog();
        assert_eq!(ledger(&catalog), ledger(&catalog));
    }
}

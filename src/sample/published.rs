//! The sample's published information: ten livelihood projects (民生实事) of 2025 and 2026 with
//! their updates and supervising deputies — half placed at a point inside a grid area, the others
//! by town or by grid area — and five service notices (district-wide, for a town, for two
//! stations, one expired). SYNTHETIC, like the rest of the sample, and deterministic: drawn from
//! the catalog in id order with fixed dates up to [`sample_day`] (2026-11-01). Points are WGS84 lon/lat
//! degrees.

use chrono::NaiveDate;
use geo::InteriorPoint;

use crate::catalog::Catalog;
use crate::domain::project::{status_for, ProjectPlace};
use crate::domain::{AreaLevel, Body, LonLat, Notice, NoticeScope, Project, ProjectUpdate};

/// The day the sample's updates run up to (its history ends then too).
pub fn sample_day() -> NaiveDate {
    day(2026, 11, 1)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    // Constant, valid dates; the fallback is never taken.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// How a sample project is placed.
#[derive(Clone, Copy)]
enum Placed {
    Point,
    Town,
    Grid,
}

/// Title, department, description, budget in ten-thousands of yuan (0: not published), year,
/// progress now, how it is placed.
const PROJECTS: [(&str, &str, &str, u64, i32, u8, Placed); 10] = [
    ("老旧小区加装电梯", "区住建局", "为12个老旧小区加装电梯36台，方便老年人上下楼。", 1_080, 2026, 60, Placed::Town),
    ("南塘河滨水步道提升", "区水利局", "新建滨水步道2.4公里，增设休憩座椅和夜间照明。", 1_200, 2026, 80, Placed::Point),
    ("社区老年食堂新建", "区民政局", "新建社区老年食堂，为辖区老人提供助餐服务。", 260, 2026, 100, Placed::Point),
    ("校门口护学通道建设", "区教育局", "在学校门口设置护学通道和临时停靠点，缓解接送拥堵。", 0, 2026, 35, Placed::Grid),
    ("背街小巷路面整治", "区综合行政执法局", "整治背街小巷路面和雨污管网，消除积水点。", 540, 2026, 0, Placed::Town),
    (
        "社区卫生服务站改造",
        "区卫生健康局",
        "改造社区卫生服务站诊室和药房，延长服务时间。",
        380,
        2025,
        100,
        Placed::Point,
    ),
    ("公共停车泊位新增", "区交通运输局", "利用边角地新增公共停车泊位300个。", 900, 2026, 50, Placed::Town),
    (
        "垃圾分类示范小区创建",
        "区综合行政执法局",
        "创建垃圾分类示范小区20个，更新分类投放点。",
        0,
        2026,
        15,
        Placed::Point,
    ),
    ("婴幼儿托育点建设", "区卫生健康局", "新建普惠性托育点，提供托位120个。", 450, 2026, 0, Placed::Grid),
    ("雨污分流改造", "区水利局", "完成片区雨污分流改造，改善河道水质。", 2_600, 2025, 100, Placed::Town),
];

/// What an update at a share of the progress says.
const UPDATE_TEXTS: [&str; 4] = [
    "完成方案设计和居民意见征集，启动招标。",
    "施工单位进场，主体工程开工。",
    "主体工程基本完成，进入配套施工阶段。",
    "工程完工并通过验收，投入使用。",
];

/// The sample's projects: the towns in code order take turns; a point is its grid area's interior
/// point; supervisors are up to two NPC deputies based at a station of the town.
pub fn projects(catalog: &Catalog) -> Vec<Project> {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    if towns.is_empty() {
        return Vec::new();
    }
    PROJECTS
        .iter()
        .enumerate()
        .filter_map(|(i, &(title, department, description, budget, year, progress, placed))| {
            let town = towns[(i * 7) % towns.len()];
            let grids: Vec<_> = catalog.grids().iter().filter(|g| g.town_code.as_ref() == Some(&town.code)).collect();
            let grid = grids.get(i % grids.len().max(1)).copied();
            let place = match (placed, grid) {
                (Placed::Point, Some(g)) => {
                    let p = g.geometry.interior_point()?;
                    ProjectPlace { point: LonLat::new(p.x(), p.y()).ok(), town: Some(town.code.clone()), grid: None }
                }
                (Placed::Grid, Some(g)) => {
                    ProjectPlace { point: None, town: Some(town.code.clone()), grid: Some(g.id.clone()) }
                }
                _ => ProjectPlace { point: None, town: Some(town.code.clone()), grid: None },
            };
            let supervisors = catalog
                .members()
                .iter()
                .filter(|m| m.body == Body::NpcDeputy)
                .filter(|m| {
                    m.station.as_ref().and_then(|s| catalog.station(s)).and_then(|s| s.town_code.as_ref())
                        == Some(&town.code)
                })
                .take(1 + i % 2)
                .map(|m| m.id.clone())
                .collect();
            let project = Project {
                id: 0,
                title: title.into(),
                department: department.into(),
                description: description.into(),
                budget_yuan: (budget > 0).then_some(budget * 10_000),
                progress,
                status: status_for(progress),
                year,
                place,
                supervisors,
                updates: updates(year, progress),
            };
            project.checked(sample_day()).ok()
        })
        .collect()
}

/// Updates up to `progress`: one for each stage passed (10%, 40%, 75%), then one at `progress`
/// itself; none for a project not started.
fn updates(year: i32, progress: u8) -> Vec<ProjectUpdate> {
    if progress == 0 {
        return Vec::new();
    }
    let stages = [(10u8, 3u32), (40, 6), (75, 9)];
    let mut out: Vec<ProjectUpdate> = stages
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| *p < progress)
        .map(|(k, &(p, month))| ProjectUpdate { date: day(year, month, 15), text: UPDATE_TEXTS[k].into(), progress: p })
        .collect();
    let text = if progress == 100 { UPDATE_TEXTS[3] } else { UPDATE_TEXTS[out.len().min(2)] };
    let last = if year < 2026 { day(year, 12, 20) } else { day(year, 10, 20) };
    out.push(ProjectUpdate { date: last, text: text.into(), progress });
    out
}

/// The sample's notices: two district-wide (one expired), one for a town, one for two stations of
/// another town, one district-wide with no end.
pub fn notices(catalog: &Catalog) -> Vec<Notice> {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    let mut out = vec![
        Notice {
            id: 0,
            title: "2027年度城乡居民医保参保缴费开始".into(),
            body:
                "2027年度城乡居民基本医疗保险集中缴费期为2026年10月20日至12月31日，可通过“浙里办”或社区服务中心办理。"
                    .into(),
            published: day(2026, 10, 20),
            expires: Some(day(2026, 12, 31)),
            scope: NoticeScope::District,
        },
        Notice {
            id: 0,
            title: "国庆假期便民服务安排".into(),
            body: "国庆假期期间，各联络站暂停接待，网上联络站照常受理意见。".into(),
            published: day(2026, 9, 25),
            expires: Some(day(2026, 10, 8)),
            scope: NoticeScope::District,
        },
        Notice {
            id: 0,
            title: "冬季用电用气安全提示".into(),
            body: "冬季取暖请注意用电用气安全，电动自行车请勿在楼道内充电。如发现安全隐患，可向所在联络站反映。".into(),
            published: day(2026, 11, 1),
            expires: None,
            scope: NoticeScope::District,
        },
    ];
    if let Some(town) = towns.first() {
        out.push(Notice {
            id: 0,
            title: format!("{}社区疫苗接种点时间调整", town.name),
            body: "自11月起，社区疫苗接种点周六上午增加接种时段，请提前预约。".into(),
            published: day(2026, 11, 5),
            expires: Some(day(2027, 1, 31)),
            scope: NoticeScope::Town(town.code.clone()),
        });
    }
    if let Some(town) = towns.get(1) {
        let stations: Vec<_> = catalog
            .stations()
            .iter()
            .filter(|s| s.town_code.as_ref() == Some(&town.code) && s.parent.is_none())
            .take(2)
            .map(|s| s.id.clone())
            .collect();
        if !stations.is_empty() {
            out.push(Notice {
                id: 0,
                title: "12月代表集中接待日安排".into(),
                body: "12月第二个星期四下午，区人大代表在本站集中接待群众，欢迎前来反映意见建议。".into(),
                published: day(2026, 11, 10),
                expires: Some(day(2026, 12, 31)),
                scope: NoticeScope::Stations(stations),
            });
        }
    }
    out.into_iter().filter_map(|n| n.checked().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::build(crate::sample::generate().into_data())
    }

    #[test]
    fn the_sample_publishes_ten_valid_projects_placed_every_way_and_the_same_every_time() {
        let c = catalog();
        let projects = projects(&c);
        assert_eq!(projects.len(), 10);
        assert_eq!(projects, super::projects(&c), "deterministic");
        assert!(projects.iter().all(|p| p.clone().checked(sample_day()).is_ok()));
        assert!(projects.iter().any(|p| p.place.point.is_some()));
        assert!(projects.iter().any(|p| p.place.grid.is_some() && p.place.point.is_none()));
        assert!(projects.iter().any(|p| p.place.grid.is_none() && p.place.point.is_none()));
        assert!(projects.iter().all(|p| !p.supervisors.is_empty()), "every project has a supervising deputy");
        assert!(projects.iter().filter(|p| p.progress > 0).all(|p| !p.updates.is_empty()));
        for p in projects.iter().filter(|p| p.place.point.is_some()) {
            let town = c.town_at(p.place.point.unwrap()).map(|a| &a.code);
            assert_eq!(town, p.place.town.as_ref(), "{}'s point lies in its town", p.title);
        }
    }

    #[test]
    fn the_sample_notices_cover_every_scope() {
        let notices = notices(&catalog());
        assert_eq!(notices.len(), 5);
        let scopes: Vec<&str> = notices.iter().map(|n| n.scope.code()).collect();
        assert!(["district", "town", "stations"].iter().all(|s| scopes.contains(s)), "{scopes:?}");
        assert!(notices.iter().any(|n| !n.in_force(day(2026, 11, 12))), "one has expired");
    }
}

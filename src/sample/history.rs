//! A synthetic history of opinions for the sample: opinions spread over the two years before
//! [`HISTORY_END`], each driven through the real workflow ([`Opinion::apply`]) so that its history
//! is consistent, with resolution, reply times and satisfaction that differ by town and category.
//! Positions are WGS84 lon/lat degrees, inside the grid areas. Deterministic for a given size.

use chrono::{DateTime, Duration, FixedOffset};
use geo::{BoundingRect, Intersects, Point};

use super::SplitMix64;
use crate::catalog::Catalog;
use crate::domain::{
    AreaLevel, AuditEntry, Category, Channel, Contact, Event, LonLat, NewOpinion, Opinion, ReplyRoute, Stars, Status,
    TrackingCode,
};

/// The history ends here: 2026-11-01 00:00 in Shanghai (fixed, so the sample never changes).
pub fn history_end() -> DateTime<FixedOffset> {
    // A valid constant; the fallback is never taken.
    DateTime::parse_from_rfc3339("2026-11-01T00:00:00+08:00").unwrap_or_else(|_| DateTime::UNIX_EPOCH.fixed_offset())
}

/// How long the history runs back, days.
pub const HISTORY_DAYS: i64 = 730;

/// Days after which an unrated reply is closed, as the server's default.
const AUTO_CLOSE_DAYS: i64 = 15;

/// Titles citizens might write, by category.
fn titles(c: Category) -> &'static [&'static str] {
    match c {
        Category::Property => &["物业服务不到位", "电梯经常故障", "小区绿化无人管理", "物业费公示不清"],
        Category::Garbage => &["垃圾分类投放点太远", "垃圾清运不及时", "分类垃圾桶破损"],
        Category::Parking => &["小区门口乱停车", "停车位严重不足", "共享单车乱停放"],
        Category::Roads => &["路面坑洼不平", "路口红绿灯时间太短", "人行道被占用", "公交站点太远"],
        Category::Noise => &["夜间施工噪音扰民", "广场舞音响太大", "商铺外放音乐"],
        Category::Water => &["雨天路面积水", "自来水水压不足", "下水道堵塞"],
        Category::Elderly => &["希望增设老年食堂", "居家养老服务不够", "老旧小区加装电梯"],
        Category::Education => &["学校门口接送拥堵", "希望增加托育名额", "入学政策咨询"],
        Category::Health => &["社区医院配药不全", "希望延长门诊时间", "家庭医生签约难"],
        Category::Safety => &["路灯损坏影响安全", "电动车楼道充电", "小区监控缺失"],
        Category::Business => &["办事材料要求太多", "小微企业融资难", "店招审批慢"],
        Category::Environment => &["河道有异味", "河边垃圾无人清理", "工地扬尘"],
        Category::Other => &["建议增设便民设施", "希望多开展社区活动"],
    }
}

/// Which department a category goes to.
fn department(c: Category) -> &'static str {
    match c {
        Category::Property => "区住建局",
        Category::Garbage => "区综合行政执法局",
        Category::Parking | Category::Roads => "区交通运输局",
        Category::Noise | Category::Environment => "区生态环境分局",
        Category::Water => "区水利局",
        Category::Elderly => "区民政局",
        Category::Education => "区教育局",
        Category::Health => "区卫生健康局",
        Category::Safety => "区公安分局",
        Category::Business => "区商务局",
        Category::Other => "街道（乡镇）办事处",
    }
}

/// How hard a category is to settle: scales reply times and lowers satisfaction.
fn difficulty(c: Category) -> f64 {
    match c {
        Category::Parking | Category::Property | Category::Roads => 1.5,
        Category::Noise | Category::Environment | Category::Elderly => 1.2,
        Category::Business | Category::Education | Category::Health => 1.0,
        _ => 0.8,
    }
}

const URBAN: [(Category, f64); 13] = [
    (Category::Property, 18.0),
    (Category::Parking, 16.0),
    (Category::Garbage, 10.0),
    (Category::Noise, 10.0),
    (Category::Roads, 8.0),
    (Category::Elderly, 8.0),
    (Category::Education, 6.0),
    (Category::Health, 6.0),
    (Category::Safety, 5.0),
    (Category::Water, 4.0),
    (Category::Business, 4.0),
    (Category::Environment, 3.0),
    (Category::Other, 2.0),
];

const RURAL: [(Category, f64); 13] = [
    (Category::Roads, 18.0),
    (Category::Water, 12.0),
    (Category::Environment, 12.0),
    (Category::Elderly, 10.0),
    (Category::Garbage, 8.0),
    (Category::Health, 7.0),
    (Category::Education, 6.0),
    (Category::Safety, 6.0),
    (Category::Business, 6.0),
    (Category::Parking, 5.0),
    (Category::Property, 4.0),
    (Category::Noise, 3.0),
    (Category::Other, 3.0),
];

fn weighted<T: Copy>(rng: &mut SplitMix64, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut r = rng.unit() * total;
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// A duration of `days` (fractional), at least a minute.
fn days(d: f64) -> Duration {
    Duration::minutes(((d * 1440.0) as i64).max(1))
}

/// `n` opinions with their histories, oldest first, routed through `catalog` (the sample's).
pub fn history(catalog: &Catalog, n: usize) -> Vec<(Opinion, Vec<AuditEntry>)> {
    let mut out: Vec<_> = histories(catalog).take(n).collect();
    out.sort_by_key(|(o, _)| o.created_at);
    for (i, (o, _)) in out.iter_mut().enumerate() {
        o.id = i as i64 + 1;
    }
    out
}

/// An endless, deterministic stream of opinions with their histories, in no particular order of
/// time (ids are 0): [`history`]'s source, and `liaison sample-data --issues`'s for millions.
pub fn histories(catalog: &Catalog) -> impl Iterator<Item = (Opinion, Vec<AuditEntry>)> + '_ {
    let mut rng = SplitMix64::new(0x0068_6973_746f_7279);
    let grids = catalog.grids();
    // Town quality: how well each town works the loop, spread evenly over 0.50 .. 0.95 in a
    // shuffled (but fixed) order of the towns.
    let mut towns: Vec<&str> =
        catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).map(|a| a.code.as_str()).collect();
    for i in (1..towns.len()).rev() {
        towns.swap(i, rng.below(i + 1));
    }
    let steps = towns.len().saturating_sub(1).max(1) as f64;
    let quality = move |code: Option<&str>| -> f64 {
        towns.iter().position(|t| Some(*t) == code).map_or(0.7, |i| 0.50 + 0.45 * i as f64 / steps)
    };
    let urban = |code: Option<&str>| code.is_some_and(|c| c.len() == 9 && c.as_bytes()[6] == b'0');
    // Urban grids are denser: three times the weight.
    let weights: Vec<(usize, f64)> = (0..grids.len())
        .map(|i| (i, if urban(grids[i].town_code.as_ref().map(|c| c.as_str())) { 3.0 } else { 1.0 }))
        .collect();
    let end = history_end();
    std::iter::from_fn(move || {
        if grids.is_empty() {
            return None;
        }
        let grid = &grids[weighted(&mut rng, &weights)];
        let town = grid.town_code.as_ref().map(|c| c.as_str());
        let location = point_in(&mut rng, grid);
        let category = weighted(&mut rng, if urban(town) { &URBAN } else { &RURAL });
        let created = end - days(rng.unit() * HISTORY_DAYS as f64) + Duration::hours(8 + rng.below(13) as i64);
        let created = created.min(end - Duration::hours(1));
        let title = *rng.pick(titles(category));
        let text = format!("{}附近：{title}，希望有关部门尽快处理。", grid.name);
        let channel = weighted(
            &mut rng,
            &[(Channel::Visit, 30.0), (Channel::Online, 35.0), (Channel::Qr, 20.0), (Channel::Hotline, 15.0)],
        );
        let phone = rng.chance(0.5).then(|| format!("138{:08}", rng.below(100_000_000)));
        let contact = Contact { name: None, phone };
        let submission = NewOpinion {
            category,
            title: title.to_owned(),
            text,
            location,
            channel,
            anonymous: rng.chance(0.2),
            contact,
        };
        let code = TrackingCode::from_random(rng.next_u64());
        let (mut opinion, first) =
            Opinion::submitted(code, submission, catalog.route(location, category), created, "citizen");
        let mut entries = vec![first];
        live(&mut rng, &mut opinion, &mut entries, quality(town), difficulty(category), end);
        Some((opinion, entries))
    })
}

fn point_in(rng: &mut SplitMix64, grid: &crate::domain::GridArea) -> LonLat {
    let rect = grid.geometry.bounding_rect();
    for _ in 0..100 {
        if let Some(r) = rect {
            let (x, y) = (rng.between(r.min().x, r.max().x), rng.between(r.min().y, r.max().y));
            if grid.geometry.intersects(&Point::new(x, y)) {
                if let Ok(p) = LonLat::new(x, y) {
                    return p;
                }
            }
        }
    }
    // A grid too thin to hit by chance: its first corner, which import checked to be a lon/lat.
    let c = grid.geometry.0[0].exterior().0[0];
    LonLat::new(c.x, c.y).expect("grid corners are checked lon/lat positions")
}

/// Drives one opinion through the loop until `end`, as a town of `quality` and a category of
/// `difficulty` would.
fn live(
    rng: &mut SplitMix64,
    o: &mut Opinion,
    log: &mut Vec<AuditEntry>,
    quality: f64,
    difficulty: f64,
    end: DateTime<FixedOffset>,
) {
    let staff = "staff:sample";
    let mut t = o.created_at;
    let step =
        |o: &mut Opinion, log: &mut Vec<AuditEntry>, at: DateTime<FixedOffset>, event: Event, actor: &str| -> bool {
            if at > end {
                return false;
            }
            match o.apply(&event, actor, at) {
                Ok(entry) => {
                    log.push(entry);
                    true
                }
                Err(_) => false,
            }
        };
    t += days(0.1 + rng.unit() * 2.0);
    if rng.chance(0.03) {
        step(
            o,
            log,
            t,
            Event::Reject {
                explanation: "该事项属于司法诉讼程序，不予受理，请通过法律途径解决。".into()
            },
            staff,
        );
        return;
    }
    if !step(o, log, t, Event::Register, staff) {
        return;
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        let assign = rng.chance(0.8);
        if assign {
            t += days(0.5 + rng.unit() * 2.0);
            let due = (t + Duration::days(15)).date_naive();
            let event = Event::Assign { department: department(o.submission.category).into(), due };
            if !step(o, log, t, event, staff) {
                return;
            }
            t += days(rng.unit() * 2.0);
            if !step(o, log, t, Event::Start, staff) {
                return;
            }
        }
        // Reply time: a few days, longer for hard categories and slower towns, with a long tail.
        let typical = 4.0 * difficulty * (1.6 - quality);
        t += days(typical * (0.3 + rng.unit() * 1.4) * if rng.chance(0.1) { 3.0 } else { 1.0 });
        let route = if assign {
            *rng.pick(&[ReplyRoute::AfterConsultation, ReplyRoute::AfterConsultation, ReplyRoute::ReferredToGovernment])
        } else {
            *rng.pick(&[ReplyRoute::DirectAnswer, ReplyRoute::Explain])
        };
        let reply = Event::Reply {
            route,
            text: format!("经核实，已{}。感谢您的意见。", if assign { "协调相关部门处理" } else { "答复说明" }),
        };
        let replier =
            if o.routing.members.is_empty() { staff.to_owned() } else { format!("member:{}", o.routing.members[0]) };
        if !step(o, log, t, reply, &replier) {
            return;
        }
        if !rng.chance(0.7) {
            step(o, log, t + Duration::days(AUTO_CLOSE_DAYS), Event::AutoClose, "system");
            return;
        }
        t += days(0.5 + rng.unit() * 9.0);
        let satisfied = (quality / difficulty.sqrt()).clamp(0.2, 0.97) + if rounds > 1 { 0.15 } else { 0.0 };
        let stars = if rng.chance(satisfied) {
            4 + rng.below(2) as u8
        } else if rng.chance(0.4) {
            3
        } else {
            1 + rng.below(2) as u8
        };
        let comment = if stars >= 4 { "处理及时，满意" } else { "问题没有根本解决" };
        let rate =
            Event::Rate { stars: Stars::new(stars).expect("stars are drawn from 1 to 5"), comment: comment.into() };
        if !step(o, log, t, rate, "citizen") || o.status != Status::Registered || rounds >= 2 {
            if o.status == Status::Registered && rng.chance(0.5) {
                step(o, log, t + days(2.0), Event::Close { reason: "经复核，已按政策答复到位".into() }, staff);
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn catalog() -> Catalog {
        Catalog::build(super::super::generate().into_data())
    }

    #[test]
    fn histories_replay_through_the_workflow_and_stay_in_the_window() {
        let catalog = catalog();
        let items = history(&catalog, 2_000);
        assert_eq!(items.len(), 2_000);
        let start = history_end() - Duration::days(HISTORY_DAYS);
        for (o, log) in &items {
            assert!(o.created_at >= start && o.created_at < history_end());
            assert_eq!(log[0].event, "submit");
            let mut status = Status::Submitted;
            for e in &log[1..] {
                assert_eq!(e.from, status);
                assert!(e.at >= o.created_at && e.at <= history_end());
                status = e.to;
            }
            assert_eq!((status, o.version), (o.status, log.len() as i64), "{}", o.id);
            assert!(o.routing.grid.is_some(), "inside a grid");
        }
        assert_eq!(
            history(&catalog, 2_000).iter().map(|x| &x.0).collect::<Vec<_>>(),
            items.iter().map(|x| &x.0).collect::<Vec<_>>()
        );
    }

    #[test]
    fn rates_differ_by_town_and_category() {
        let catalog = catalog();
        let items = history(&catalog, 4_000);
        let mut by_town: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let mut by_category: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        for (o, _) in &items {
            if let Some(r) = o.rating {
                let good = u32::from(r.get() >= 4);
                let t =
                    by_town.entry(o.routing.town_code.as_ref().map(|c| c.to_string()).unwrap_or_default()).or_default();
                *t = (t.0 + good, t.1 + 1);
                let c = by_category.entry(o.submission.category.code()).or_default();
                *c = (c.0 + good, c.1 + 1);
            }
        }
        let spread = |m: Vec<(u32, u32)>| {
            let rates: Vec<f64> = m.iter().filter(|x| x.1 >= 30).map(|x| f64::from(x.0) / f64::from(x.1)).collect();
            rates.iter().cloned().fold(0.0, f64::max) - rates.iter().cloned().fold(1.0, f64::min)
        };
        assert!(spread(by_town.into_values().collect()) > 0.15, "towns differ");
        assert!(spread(by_category.into_values().collect()) > 0.10, "categories differ");
        let open = items.iter().filter(|(o, _)| o.status.is_open()).count();
        let rejected = items.iter().filter(|(o, _)| o.status == Status::Rejected).count();
        assert!(open > 20 && open < 800, "recent opinions are still open: {open}");
        assert!(rejected > 40 && rejected < 250, "{rejected}");
    }
}

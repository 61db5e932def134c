//! What a station shows of the district's published information on its citizen page
//! (`/s/{station}`), without JavaScript: its service notices in force and the livelihood projects
//! of its town or supervised by its members, each with its progress.

use maud::{html, Markup};

use crate::domain::StationId;
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};
use crate::service::notices::StationPublished;

/// The section of station `id`'s page; `None` (logged) when the store cannot answer, as the
/// page's form works without it.
pub(super) async fn of_station(state: &AppState, lang: Lang, id: &StationId) -> Option<Markup> {
    match state.service.station_published(id).await {
        Ok(p) => Some(section(lang, &p)),
        Err(e) => {
            tracing::warn!(error = %e, station = %id, "cannot list the station's published information");
            None
        }
    }
}

/// Budgets in 万元 (ten thousand yuan) or millions, as each language reads them.
fn budget(lang: Lang, yuan: u64) -> String {
    let wan = format!("{}", (yuan as f64 / 1e4 * 100.0).round() / 100.0);
    let million = format!("{}", (yuan as f64 / 1e6 * 100.0).round() / 100.0);
    t_args(lang, "published-budget", &[("wan", wan.as_str().into()), ("million", million.as_str().into())])
}

/// "Supervised by" and the members' names.
fn supervisors(lang: Lang, members: &[crate::service::activities::Named]) -> String {
    let names: Vec<&str> = members.iter().map(|m| m.name.as_deref().unwrap_or(&m.id)).collect();
    let sep = if lang == Lang::En { ", " } else { "、" };
    t_args(lang, "published-supervisors", &[("names", names.join(sep).as_str().into())])
}

/// The section listing `p`, for the station's page.
fn section(lang: Lang, p: &StationPublished) -> Markup {
    html! {
        section #published {
            h2 { (t(lang, "published-notices")) }
            @if p.notices.is_empty() { p.muted { (t(lang, "published-no-notices")) } }
            ul.notices {
                @for n in &p.notices {
                    li data-notice-id=(n.id) {
                        strong { (n.title) }
                        p.body { (n.body) }
                        p.muted {
                            (t_args(lang, "published-from", &[("date", n.published.to_string().as_str().into())]))
                            @if let Some(e) = n.expires { " · " (t_args(lang, "published-until", &[("date", e.to_string().as_str().into())])) }
                        }
                    }
                }
            }
            h2 { (t(lang, "published-projects")) }
            @if p.projects.is_empty() { p.muted { (t(lang, "published-no-projects")) } }
            ul.projects {
                @for pr in &p.projects {
                    li data-project-id=(pr.id) data-status=(pr.status.code()) {
                        strong { (pr.title) } " "
                        span.kind { (label(lang, "project-status", pr.status.code())) }
                        " "
                        meter min="0" max="100" value=(pr.progress) {}
                        " " (pr.progress) "%"
                        p.muted {
                            (pr.department) " · " (pr.year)
                            @if let Some(b) = pr.budget_yuan { " · " (budget(lang, b)) }
                            @if !pr.supervisors.is_empty() {
                                " · " (supervisors(lang, &pr.supervisors))
                            }
                        }
                        @if let Some(u) = pr.updates.last() {
                            p { (u.date) " " (u.text) }
                        }
                    }
                }
            }
        }
    }
}

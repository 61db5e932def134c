//! Closed vocabularies: station kinds, bodies, levels, and the opinion loop's categories, channels,
//! reply routes and statuses, each with one stable code used in every interface (API, import files,
//! database) and a Chinese label.

use std::fmt;
use std::str::FromStr;

/// An unknown code for one of the vocabularies below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {got:?}: expected one of {expected}")]
pub struct VocabError {
    pub what: &'static str,
    pub got: String,
    pub expected: String,
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $zh:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in APIs, files and the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese name shown to people.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
        }

        impl FromStr for $name {
            type Err = VocabError;
            fn from_str(s: &str) -> Result<Self, VocabError> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(t) || v.label_zh() == t)
                    .ok_or_else(|| VocabError {
                        what: $what,
                        got: t.to_owned(),
                        expected: $name::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", "),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary!(
    /// What kind of place a station is.
    StationKind, "station kind" {
        DeputyLiaisonStation => "deputy_liaison_station", "人大代表联络站";
        MemberWorkstation => "member_workstation", "政协委员工作室";
        LiaisonPoint => "liaison_point", "联络点";
        OnlineStation => "online_station", "网上联络站";
    }
);

vocabulary!(
    /// The five levels of people's congresses (and, but for the township, of CPPCC committees).
    Level, "level" {
        National => "national", "全国";
        Provincial => "provincial", "省";
        City => "city", "市";
        District => "district", "区";
        Township => "township", "乡镇";
    }
);

vocabulary!(
    /// Which body a member sits in.
    Body, "body" {
        NpcDeputy => "npc_deputy", "人大代表";
        CppccMember => "cppcc_member", "政协委员";
    }
);

vocabulary!(
    /// The level of an administrative area.
    AreaLevel, "area level" {
        District => "district", "区县";
        Town => "town", "乡镇街道";
        Community => "community", "社区村";
    }
);

vocabulary!(
    /// What a citizen's opinion (意见) is about.
    Category, "category" {
        Property => "property", "物业管理";
        Garbage => "garbage", "垃圾分类";
        Parking => "parking", "停车";
        Roads => "roads", "道路交通";
        Noise => "noise", "噪音";
        Water => "water", "供水排水";
        Elderly => "elderly", "养老";
        Education => "education", "教育";
        Health => "health", "医疗卫生";
        Safety => "safety", "治安";
        Business => "business", "营商环境";
        Environment => "environment", "河道环境";
        Other => "other", "其他";
    }
);

vocabulary!(
    /// How an opinion reached the station: in person, the web site, a QR code on a poster, the
    /// hotline, or an Open311 client.
    Channel, "channel" {
        Visit => "visit", "来访";
        Online => "online", "网上";
        Qr => "qr", "扫码";
        Hotline => "hotline", "热线";
        Open311 => "open311", "Open311";
    }
);

vocabulary!(
    /// How an opinion was answered: an explanation of why it cannot be done, a direct answer, an
    /// answer after consulting a department, or a referral to the government.
    ReplyRoute, "reply route" {
        Explain => "explain", "解释说明";
        DirectAnswer => "direct_answer", "直接答复";
        AfterConsultation => "after_consultation", "会商后答复";
        ReferredToGovernment => "referred_to_government", "转交政府办理";
    }
);

vocabulary!(
    /// Where an opinion stands in its closed loop, in workflow order; the rules of what may follow
    /// what are in `opinion::transition`.
    Status, "status" {
        Submitted => "submitted", "已提交";
        Registered => "registered", "已受理";
        Assigned => "assigned", "已交办";
        InProgress => "in_progress", "办理中";
        Replied => "replied", "已答复";
        Closed => "closed", "已办结";
        Rejected => "rejected", "不予受理";
    }
);

vocabulary!(
    /// What a user or token may do in the opinion loop.
    Role, "role" {
        Member => "member", "代表委员";
        Staff => "staff", "工作人员";
        Leader => "leader", "领导";
        Admin => "admin", "管理员";
        Integrator => "integrator", "系统对接";
    }
);

vocabulary!(
    /// What kind of duty activity (履职活动) members held at a station.
    ActivityKind, "activity kind" {
        Reception => "reception", "接待";
        Consultation => "consultation", "协商";
        Research => "research", "调研";
        Inspection => "inspection", "视察";
        RiverPatrol => "river_patrol", "巡河";
    }
);

vocabulary!(
    /// A surface water quality class of GB 3838-2002, from I (best) to V.
    WaterClass, "water class" {
        I => "I", "Ⅰ类";
        II => "II", "Ⅱ类";
        III => "III", "Ⅲ类";
        IV => "IV", "Ⅳ类";
        V => "V", "Ⅴ类";
    }
);

vocabulary!(
    /// Where a livelihood project (民生实事) stands; `project::status_for` ties it to progress.
    ProjectStatus, "project status" {
        Planned => "planned", "计划中";
        UnderWay => "under_way", "推进中";
        Completed => "completed", "已完成";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_labels_both_parse() {
        assert_eq!("member_workstation".parse(), Ok(StationKind::MemberWorkstation));
        assert_eq!("政协委员工作室".parse(), Ok(StationKind::MemberWorkstation));
        assert_eq!(" Township ".parse(), Ok(Level::Township));
    }

    #[test]
    fn unknown_codes_list_the_expected_ones() {
        let err = "museum".parse::<StationKind>().unwrap_err();
        assert!(err.to_string().contains("deputy_liaison_station"), "{err}");
        assert!(err.to_string().contains("\"museum\""), "{err}");
    }

    #[test]
    fn serde_uses_the_codes() {
        assert_eq!(serde_json::to_string(&Body::CppccMember).unwrap(), "\"cppcc_member\"");
        assert_eq!(serde_json::from_str::<AreaLevel>("\"town\"").unwrap(), AreaLevel::Town);
    }
}

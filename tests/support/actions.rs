//! The seven actions as one enum, so tables of tests can run every action through the client,
//! each with the parameters it must put on the wire (values from the Chinese document's
//! examples, plus characters that need encoding).

use workorder_api::actions::{
    CloseTicket, CreateTicket, ListCategories, ListProducts, ListTicketNotes, ListTickets,
    NotifyTimeRange, ReplyTicket,
};
use workorder_api::{Action, Language};
use workorder_gateway::upstream::{Target, UpstreamClient, UpstreamError};

/// A `SecretContent` value that must never leave the request.
pub const SECRET_CONTENT: &str = "实例id是XXXXXX root-password=Hunter2*~+&";
/// A `Content` value with a space, a comma and Chinese text.
pub const CONTENT: &str = "我的一台ecs连不上了, 还请帮忙看看咋回事";

/// Any of the seven actions.
#[derive(Debug, Clone)]
pub enum AnyAction {
    Create(CreateTicket),
    Products(ListProducts),
    Categories(ListCategories),
    Tickets(ListTickets),
    Notes(ListTicketNotes),
    Reply(ReplyTicket),
    Close(CloseTicket),
}

impl AnyAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => CreateTicket::NAME,
            Self::Products(_) => ListProducts::NAME,
            Self::Categories(_) => ListCategories::NAME,
            Self::Tickets(_) => ListTickets::NAME,
            Self::Notes(_) => ListTicketNotes::NAME,
            Self::Reply(_) => ReplyTicket::NAME,
            Self::Close(_) => CloseTicket::NAME,
        }
    }

    /// Whether the action may be repeated after the upstream may have seen it.
    pub fn repeatable(&self) -> bool {
        !matches!(self, Self::Create(_) | Self::Reply(_))
    }

    /// Calls the action; the decoded data comes back as its `Debug` text.
    pub async fn call(
        &self,
        client: &UpstreamClient,
        target: &Target,
    ) -> Result<String, UpstreamError> {
        async fn run<A: Action>(
            client: &UpstreamClient,
            target: &Target,
            action: &A,
        ) -> Result<String, UpstreamError> {
            client
                .call(target, action)
                .await
                .map(|answer| format!("{:?}", answer.data))
        }
        match self {
            Self::Create(a) => run(client, target, a).await,
            Self::Products(a) => run(client, target, a).await,
            Self::Categories(a) => run(client, target, a).await,
            Self::Tickets(a) => run(client, target, a).await,
            Self::Notes(a) => run(client, target, a).await,
            Self::Reply(a) => run(client, target, a).await,
            Self::Close(a) => run(client, target, a).await,
        }
    }
}

/// Every action once, with the business parameters it must send (decoded, in any order).
pub fn documented() -> Vec<(AnyAction, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            AnyAction::Create(CreateTicket {
                product_code: "ecs".into(),
                category_id: 157,
                content: CONTENT.into(),
                email: "support@aliyun.com".into(),
                title: Some("ecs连不上了".into()),
                phone: Some("13288888888".into()),
                secret_content: Some(SECRET_CONTENT.into()),
                notify_time_range: Some(NotifyTimeRange::All),
                language: Some(Language::Zh),
            }),
            vec![
                ("ProductCode", "ecs"),
                ("Category", "157"),
                ("Content", CONTENT),
                ("Email", "support@aliyun.com"),
                ("Title", "ecs连不上了"),
                ("Phone", "13288888888"),
                ("SecretContent", SECRET_CONTENT),
                ("NotifyTimeRange", "all"),
                ("Language", "zh"),
            ],
        ),
        (
            AnyAction::Products(ListProducts {
                language: Some(Language::En),
            }),
            vec![("Language", "en")],
        ),
        (AnyAction::Products(ListProducts { language: None }), vec![]),
        (
            AnyAction::Categories(ListCategories {
                product_code: "ecs".into(),
                language: Some(Language::Jp),
            }),
            vec![("ProductCode", "ecs"), ("Language", "jp")],
        ),
        (
            AnyAction::Tickets(ListTickets {
                ids: vec!["ETARNPP".into(), "RTARNP".into()],
                statuses: vec!["wait_confirm".into(), "dealing".into()],
                created_after: Some(1_585_790_280),
                created_before: Some(1_586_049_480),
                page_start: Some(1),
                page_size: Some(100),
                product_code: Some("ecs".into()),
                sub_user_id: Some("252448085032933023".into()),
                language: Some(Language::Zh),
            }),
            vec![
                ("Ids", "ETARNPP,RTARNP"),
                ("TicketStatus", "wait_confirm,dealing"),
                ("CreatedAfterTime", "1585790280"),
                ("CreatedBeforeTime", "1586049480"),
                ("PageStart", "1"),
                ("PageSize", "100"),
                ("ProductCode", "ecs"),
                ("SubUserId", "252448085032933023"),
                ("Language", "zh"),
            ],
        ),
        (
            AnyAction::Tickets(ListTickets {
                ids: vec!["CAB327A".into()],
                page_start: Some(2),
                ..ListTickets::default()
            }),
            vec![("Ids", "CAB327A"), ("PageStart", "2")],
        ),
        (
            AnyAction::Notes(ListTicketNotes {
                ticket_id: "G2BKRWG".into(),
                language: Some(Language::Zh),
            }),
            vec![("TicketId", "G2BKRWG"), ("Language", "zh")],
        ),
        (
            AnyAction::Reply(ReplyTicket {
                ticket_id: "3EBYRY7".into(),
                content: Some("这个一个工单回复 + more".into()),
                secret_content: Some(SECRET_CONTENT.into()),
                language: None,
            }),
            vec![
                ("TicketId", "3EBYRY7"),
                ("Content", "这个一个工单回复 + more"),
                ("SecretContent", SECRET_CONTENT),
            ],
        ),
        (
            AnyAction::Close(CloseTicket {
                ticket_id: "3EBYRY7".into(),
                language: Some(Language::En),
            }),
            vec![("TicketId", "3EBYRY7"), ("Language", "en")],
        ),
    ]
}

/// One instance of each of the seven actions.
pub fn seven() -> Vec<AnyAction> {
    let mut seen = Vec::new();
    let mut actions = Vec::new();
    for (action, _) in documented() {
        if !seen.contains(&action.name()) {
            seen.push(action.name());
            actions.push(action);
        }
    }
    assert_eq!(actions.len(), 7);
    actions
}
